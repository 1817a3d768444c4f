import { randomUUID } from 'node:crypto';
import type { OutgoingMessage } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { InvalidReplyAddressError, toTransportError } from './errors';
import { toFields } from './headers';
import type { DelayedScheduler } from './scheduler';
import type { RedisScripts } from './scripts';
import type { RedisTopology } from './topology';

/** Most entries kept in a reply stream (replies are read at once; this only bounds a dead inbox). */
const REPLY_MAX_LEN = 1_000;

/** What a publisher needs. */
export interface PublisherContext {
  readonly redis: Redis;
  readonly scripts: RedisScripts;
  readonly topology: RedisTopology;
  readonly scheduler: DelayedScheduler;
  readonly maxLen: number;
  readonly replyTtlMs: number;
}

/**
 * Turns messages into stream entries. A publish is one `XADD <topic stream> MAXLEN ~ n * …`,
 * resolved when Redis has appended it. The first publish of a topic by this instance also adds the
 * topic to the registry set and announces it on the registry channel, so wildcard subscribers
 * create their group on the new stream at once. A delayed publish waits in the scheduler's
 * sorted set until due.
 */
export class RedisPublisher {
  private readonly announced = new Set<string>();

  constructor(private readonly context: PublisherContext) {}

  publish(message: OutgoingMessage): Promise<void> {
    const { topic } = message;
    const stream = this.context.topology.streamOf(topic);
    const fields = toFields(message);
    const delayed = message.delayMs !== undefined && message.delayMs > 0;
    const sending = delayed
      ? this.schedule(stream, fields, message.delayMs as number)
      : this.append(stream, fields);
    // Only a topic's first publish by this instance waits for anything more than the XADD.
    const done = this.announced.has(topic) ? sending : Promise.all([sending, this.announce(topic)]);
    return done.then(
      () => undefined,
      (error: unknown) => {
        throw toTransportError(error, `publish to "${topic}"`);
      },
    );
  }

  /** Sends an RPC reply to a reply stream; the stream expires if its owner vanished. */
  async reply(address: string, message: OutgoingMessage): Promise<void> {
    const { redis, topology, replyTtlMs } = this.context;
    if (!topology.isReplyStream(address)) {
      throw new InvalidReplyAddressError(
        `"${address}" is not a reply stream of namespace "${topology.namespace}"; refusing to write a reply there`,
      );
    }
    const fields = toFields(message, { topic: message.topic });
    try {
      const results = await redis
        .multi()
        .xadd(address, 'MAXLEN', '~', REPLY_MAX_LEN, '*', ...fields)
        .pexpire(address, replyTtlMs)
        .exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      throw toTransportError(error, `reply to "${address}"`);
    }
  }

  /** Forgets which topics were announced (after a reconnect Redis may have lost the registry). */
  reset(): void {
    this.announced.clear();
  }

  private append(stream: string, fields: (string | Buffer)[]): Promise<unknown> {
    const { redis, maxLen } = this.context;
    return maxLen > 0
      ? redis.xadd(stream, 'MAXLEN', '~', maxLen, '*', ...fields)
      : redis.xadd(stream, '*', ...fields);
  }

  private async schedule(stream: string, fields: (string | Buffer)[], delayMs: number) {
    const { scripts, topology, scheduler } = this.context;
    const member = randomUUID();
    await scripts.schedule(
      { set: topology.delayedSet, entry: topology.delayedEntryPrefix + member, member },
      delayMs,
      stream,
      fields,
    );
    scheduler.expect(delayMs);
  }

  private async announce(topic: string): Promise<void> {
    if (this.announced.has(topic)) return;
    this.announced.add(topic);
    const { redis, topology } = this.context;
    try {
      await Promise.all([
        redis.sadd(topology.topicRegistry, topic),
        redis.publish(topology.topicRegistry, topic),
      ]);
    } catch (error) {
      this.announced.delete(topic);
      throw error;
    }
  }
}
