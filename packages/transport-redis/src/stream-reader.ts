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
  private stopped = false;

  constructor(
    private readonly blocking: Redis,
    private readonly command: Redis,
    private readonly settings: { group: string; consumer: string; blockMs: number },
    /** Called when the blocking connection is back after a loss. */
    onReconnect: () => void,
  ) {
    blocking.on('ready', () => {
      // ioredis has already re-sent the read the lost connection left unanswered, so the new
      // client id is looked up by name on the command connection.
      this.clientId = undefined;
      onReconnect();
    });
  }

  /**
   * Reads up to `count` new entries (per stream) of the streams `streams()` names when the read
   * is sent, waiting up to `blockMs`. A stream added before an `interrupt()` is in the next read.
   */
  async read(streams: () => readonly string[], count: number): Promise<StreamEntry[]> {
    const { group, consumer, blockMs } = this.settings;
    this.clientId ??= Number(await this.blocking.client('ID'));
    if (this.stopped) return [];
    const keys = streams();
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
      ...keys,
      ...keys.map(() => '>'),
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
    // A read about to be sent must not start blocking after a forced (closing) interrupt.
    if (force) this.stopped = true;
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
      this.clientId ??= await this.lookUpClientId();
      if (this.clientId !== undefined) {
        await this.command.client('UNBLOCK', this.clientId).catch(() => 0);
      }
      const settled = await settledWithin(read, 20);
      if (settled) return;
      if (Date.now() > deadline) {
        if (force) this.blocking.disconnect();
        return;
      }
    }
  }

  /** The blocking connection's id, found by its (unique) name in `CLIENT LIST`. */
  private async lookUpClientId(): Promise<number | undefined> {
    const name = this.blocking.options.connectionName;
    const list = (await this.command
      .call('CLIENT', 'LIST', 'TYPE', 'normal')
      .catch(() => '')) as string;
    const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
    const id = line && /^id=(\d+)/.exec(line)?.[1];
    return id ? Number(id) : undefined;
  }

  /** Drops the blocking connection. */
  close(): void {
    this.blocking.disconnect();
  }
}

/** Whether `promise` settles within `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = promise.then(
    () => true,
    () => true,
  );
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}
