import { type DeadLetter, UnknownQueueError } from '@switchyard/core';
import type { Redis } from 'ioredis';
import type { DeadLetterScripts } from './dead-letter-scripts';
import { toTransportError } from './errors';
import { decodeEntry } from './headers';
import { parseEntries, sendForBuffers } from './stream-replies';
import type { RedisTopology } from './topology';

/** Entries examined by one deletion script call, so one call never blocks Redis for long. */
const DELETE_PAGE_SIZE = 500;

/**
 * A queue's dead letters: the stream `<namespace>dlq:<queue>`, oldest first. Reading, deleting
 * and purging it; redelivery is in `redelivery.ts`.
 */
export class DeadLetterStreams {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: DeadLetterScripts,
    private readonly topology: RedisTopology,
  ) {}

  /** Up to `limit` dead letters of `queue`, oldest first, read with `XRANGE`, not removed. */
  async peek(queue: string, limit: number): Promise<DeadLetter[]> {
    const stream = this.topology.deadLetterStream(queue);
    const reply = await sendForBuffers(this.redis, 'xrange', stream, '-', '+', 'COUNT', limit);
    return parseEntries(stream, reply).map((entry) => {
      const message = decodeEntry(entry, { topic: undefined, fallbackTopic: '' }, queue, 1);
      return {
        id: message.id,
        topic: message.topic,
        key: message.key,
        headers: message.headers,
        body: message.body,
      };
    });
  }

  /**
   * Deletes (`XDEL`) the dead letters of `queue` whose message id is in `ids` — every copy of an
   * id dead-lettered twice — and keeps the others in their order. The stream is scanned in pages
   * by a script that compares ids in Redis, so bodies never cross the wire.
   */
  async delete(queue: string, ids: readonly string[]): Promise<number> {
    await this.assertKnown(queue);
    if (ids.length === 0) return 0;
    const stream = this.topology.deadLetterStream(queue);
    let removed = 0;
    let after: string | undefined = '-';
    try {
      while (after !== undefined) {
        const page = await this.scripts.deletePage(stream, after, DELETE_PAGE_SIZE, ids);
        removed += page.removed;
        after = page.last;
      }
    } catch (error) {
      throw toTransportError(error, `delete dead letters of "${queue}"`);
    }
    return removed;
  }

  /** Deletes every dead letter of `queue` (`UNLINK`s the stream); resolves to how many there were. */
  async purge(queue: string): Promise<number> {
    await this.assertKnown(queue);
    const stream = this.topology.deadLetterStream(queue);
    try {
      const results = await this.redis.multi().xlen(stream).unlink(stream).exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
      return Number(results?.[0]?.[1] ?? 0);
    } catch (error) {
      throw toTransportError(error, `purge dead letters of "${queue}"`);
    }
  }

  /**
   * Throws `UnknownQueueError` unless some instance subscribed `queue` (its bindings hash exists)
   * or it has dead letters — so a mistyped `--queue` is reported, not answered with 0.
   */
  private async assertKnown(queue: string): Promise<void> {
    const { topology } = this;
    let found: number;
    try {
      found = await this.redis.exists(topology.bindings(queue), topology.deadLetterStream(queue));
    } catch (error) {
      throw toTransportError(error, `look up queue "${queue}"`);
    }
    if (found === 0) {
      throw new UnknownQueueError(
        `Redis knows no queue "${queue}" under namespace "${topology.namespace}": no ${topology.bindings(queue)} and no ${topology.deadLetterStream(queue)}`,
      );
    }
  }
}
