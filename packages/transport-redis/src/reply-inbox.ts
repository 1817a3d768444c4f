import { type Logger, type ReplyHandler, errorMessage } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { decodeEntry } from './headers';
import { parseReadReply, sendForBuffers } from './stream-replies';

/** Most replies read at once. */
const BATCH = 100;

/**
 * This instance's RPC reply inbox: a stream only it reads, with plain `XREAD BLOCK` on its own
 * connection (no group: nobody competes for replies). Closing drops the connection and deletes
 * the stream; a stream left by a crashed process expires `replyTtlMs` after its last reply.
 */
export class ReplyInbox {
  private lastId = '0-0';
  private closed = false;
  private readonly loop: Promise<void>;

  constructor(
    readonly address: string,
    private readonly blocking: Redis,
    private readonly command: Redis,
    private readonly settings: { blockMs: number; logger: Logger },
    private readonly onReply: ReplyHandler,
  ) {
    this.loop = this.readLoop();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.blocking.disconnect();
    await this.loop;
    await this.command.del(this.address).catch(() => undefined);
  }

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      try {
        const reply = await sendForBuffers(
          this.blocking,
          'xread',
          'COUNT',
          BATCH,
          'BLOCK',
          this.settings.blockMs,
          'STREAMS',
          this.address,
          this.lastId,
        );
        for (const entry of parseReadReply(reply)) {
          this.lastId = entry.entryId;
          this.deliver(
            decodeEntry(entry, { topic: undefined, fallbackTopic: '' }, this.address, 1),
          );
        }
      } catch (error) {
        if (this.closed) return;
        this.settings.logger.warn('Reading the RPC reply inbox failed; retrying', {
          error: errorMessage(error),
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private deliver(reply: Parameters<ReplyHandler>[0]): void {
    try {
      this.onReply(reply);
    } catch (error) {
      this.settings.logger.warn('An RPC reply handler threw', { error: errorMessage(error) });
    }
  }
}
