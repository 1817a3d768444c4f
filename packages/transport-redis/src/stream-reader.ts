import type { Redis } from 'ioredis';
import type { StreamEntry } from './headers';
import { parseReadReply, sendForBuffers } from './stream-replies';

/** How long `interrupt` keeps trying before it drops the connection instead. */
const INTERRUPT_GIVE_UP_MS = 2_000;

/**
 * A dedicated connection for one subscription's blocking `XREADGROUP`. `interrupt()` ends a
 * blocked read at once with `CLIENT UNBLOCK` sent on the command connection — to stop, or to read
 * a stream that was just discovered — instead of waiting out `BLOCK`.
 */
export class StreamReader {
  private clientId: number | undefined;
  private inFlight: Promise<unknown> | undefined;
  private interrupting: Promise<void> | undefined;

  constructor(
    private readonly blocking: Redis,
    private readonly command: Redis,
    private readonly settings: { group: string; consumer: string; blockMs: number },
    /** Called when the blocking connection is back after a loss. */
    onReconnect: () => void,
  ) {
    blocking.on('ready', () => {
      // Sent before ioredis re-sends the read that the lost connection left unanswered.
      this.clientId = undefined;
      this.blocking.client('ID').then(
        (id) => (this.clientId = Number(id)),
        () => undefined,
      );
      onReconnect();
    });
  }

  /** Reads up to `count` new entries (per stream) of `streams`, waiting up to `blockMs`. */
  async read(streams: readonly string[], count: number): Promise<StreamEntry[]> {
    const { group, consumer, blockMs } = this.settings;
    this.clientId ??= Number(await this.blocking.client('ID'));
    const read = sendForBuffers(
      this.blocking,
      'xreadgroup',
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      ...streams,
      ...streams.map(() => '>'),
    );
    this.inFlight = read;
    try {
      return parseReadReply(await read);
    } finally {
      this.inFlight = undefined;
    }
  }

  /**
   * Ends the read in progress, if any. `CLIENT UNBLOCK` can arrive before Redis has started
   * blocking, so it is repeated until the read returns. If it never does (the connection is
   * down), `force` drops the connection, which rejects the read; otherwise the read ends by
   * itself within `blockMs`.
   */
  async interrupt(force = false): Promise<void> {
    if (!force && this.interrupting) return this.interrupting;
    const interrupting = this.unblock(force);
    this.interrupting = interrupting;
    try {
      await interrupting;
    } finally {
      if (this.interrupting === interrupting) this.interrupting = undefined;
    }
  }

  private async unblock(force: boolean): Promise<void> {
    const deadline = Date.now() + INTERRUPT_GIVE_UP_MS;
    while (this.inFlight) {
      const read = this.inFlight;
      if (this.clientId !== undefined) {
        await this.command.client('UNBLOCK', this.clientId).catch(() => 0);
      }
      const settled = await Promise.race([
        read.then(
          () => true,
          () => true,
        ),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 20)),
      ]);
      if (settled) return;
      if (Date.now() > deadline) {
        if (force) this.blocking.disconnect();
        return;
      }
    }
  }

  /** Drops the blocking connection. */
  close(): void {
    this.blocking.disconnect();
  }
}
