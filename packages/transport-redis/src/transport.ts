import { randomBytes } from 'node:crypto';
import {
  type DeadLetter,
  type DeadLetterAdmin,
  type DeliveryHandler,
  type Logger,
  type LoggingTransport,
  type OutgoingMessage,
  type QueueSizeProbe,
  type ReplyHandler,
  type Subscription,
  type SubscriptionSpec,
  type Transport,
  type TransportCapabilities,
  type TransportPublishOptions,
  TransportUnavailableError,
} from '@switchyard/core';
import type { Redis } from 'ioredis';
import { RedisConnections } from './connections';
import { listDeadLetterQueues } from './dead-letter-queues';
import { DeadLetterScripts } from './dead-letter-scripts';
import { DeadLetterStreams } from './dead-letters';
import { TopicDiscovery } from './discovery';
import { toTransportError } from './errors';
import { type RedisTransportOptions, type ResolvedRedisOptions, resolveOptions } from './options';
import { RedisPublisher } from './publisher';
import { queueSize } from './queue-size';
import { redeliver } from './redelivery';
import { ReplyInbox } from './reply-inbox';
import { DelayedScheduler } from './scheduler';
import { RedisScripts } from './scripts';
import { RedisSubscription, type SubscriberContext } from './subscriber';
import { RedisTopology } from './topology';

/**
 * What Redis Streams do natively, as this transport uses them. No priority (a stream is one
 * append-only log); no unroutable detection (a stream accepts entries whether or not a group reads
 * it); no broker transactions across consume and produce; `persistent` is false because it
 * depends on the server's RDB/AOF settings, which the transport does not control.
 */
export const REDIS_CAPABILITIES: TransportCapabilities = Object.freeze({
  delayedDelivery: true,
  priority: false,
  keyOrdering: true,
  transactions: false,
  unroutableDetection: false,
  persistent: false,
});

interface Connected extends SubscriberContext {
  readonly publisher: RedisPublisher;
  readonly deadLetterScripts: DeadLetterScripts;
  readonly deadLetters: DeadLetterStreams;
}

/**
 * The Redis Streams transport (`redis://`, `rediss://`). Each topic is a stream; each queue a
 * consumer group on the streams its patterns match; each transport instance a consumer. See the
 * package README for the topology, field layout and delivery semantics.
 */
export class RedisTransport
  implements Transport, QueueSizeProbe, DeadLetterAdmin, LoggingTransport
{
  readonly name = 'redis';
  readonly capabilities = REDIS_CAPABILITIES;
  /** The options in force, defaults applied. */
  readonly options: ResolvedRedisOptions;
  readonly topology: RedisTopology;
  private connecting: Promise<Connected> | undefined;
  private readonly subscriptions = new Map<RedisSubscription, string>();
  private inbox: ReplyInbox | undefined;
  private publisher: RedisPublisher | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RedisTransportOptions = {}) {
    this.options = resolveOptions(options);
    this.topology = new RedisTopology(this.options.streamPrefix, this.options.namespace);
  }

  /** Reports connection trouble through the app's logger, unless the options named one. */
  useLogger(logger: Logger): void {
    this.options.logger.adopt(logger);
  }

  async connect(): Promise<void> {
    if (this.closing) await this.closing;
    this.connecting ??= this.open();
    try {
      this.publisher = (await this.connecting).publisher;
    } catch (error) {
      this.connecting = undefined;
      throw error;
    }
  }

  publish(message: OutgoingMessage, _options?: TransportPublishOptions): Promise<void> {
    // The hot path: no extra await once connected.
    if (this.publisher) return this.publisher.publish(message);
    return this.connected().then((context) => context.publisher.publish(message));
  }

  async subscribe(spec: SubscriptionSpec, handler: DeliveryHandler): Promise<Subscription> {
    const context = await this.connected();
    if (spec.maxPriority > 0) {
      this.options.logger.warn(
        `Queue "${spec.queue}" asks for priorities, which Redis Streams cannot honour; messages are served in stream order`,
      );
    }
    const taken = [...this.subscriptions.values()].filter((queue) => queue === spec.queue).length;
    const consumer =
      taken === 0 ? this.options.consumerName : `${this.options.consumerName}#${taken}`;
    const subscription = new RedisSubscription(context, spec, handler, consumer);
    this.subscriptions.set(subscription, spec.queue);
    try {
      await subscription.start();
    } catch (error) {
      await subscription.close().catch(() => undefined);
      this.subscriptions.delete(subscription);
      throw toTransportError(error, `subscribe queue "${spec.queue}"`);
    }
    return {
      close: async () => {
        await subscription.close();
        this.subscriptions.delete(subscription);
      },
    };
  }

  async openReplyInbox(onReply: ReplyHandler): Promise<string> {
    const context = await this.connected();
    await this.inbox?.close();
    const address = this.topology.replyStream(
      `${this.options.consumerName}:${randomBytes(4).toString('hex')}`,
    );
    const blocking = await context.connections.open('reply');
    this.inbox = new ReplyInbox(
      address,
      blocking,
      context.redis,
      { blockMs: this.options.blockMs, logger: this.options.logger },
      onReply,
    );
    return address;
  }

  async reply(address: string, message: OutgoingMessage): Promise<void> {
    await (await this.connected()).publisher.reply(address, message);
  }

  /** Messages waiting in `queue` (see `queueSize` in `queue-size.ts` for how they are counted). */
  async queueSize(queue: string): Promise<number | undefined> {
    const context = await this.connected();
    const local = [...this.subscriptions.entries()].find(([, name]) => name === queue)?.[0];
    return queueSize(context.redis, this.topology, queue, local?.streamKeys());
  }

  /** Up to `limit` dead letters of `queue` (its stream `<namespace>dlq:<queue>`), oldest first. */
  async peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]> {
    return (await this.connected()).deadLetters.peek(queue, limit);
  }

  /**
   * Appends `message` as attempt 1 to the queue's own retry stream, which only that queue's group
   * reads (see `redeliver` in `redelivery.ts`); `UnknownQueueError` for a queue never subscribed.
   */
  async redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    const context = await this.connected();
    const { maxLen } = this.options;
    await redeliver(
      { scripts: context.deadLetterScripts, topology: this.topology, maxLen },
      queue,
      message,
    );
  }

  /** `XDEL`s the dead letters of `queue` with these message ids; resolves to how many. */
  async deleteDeadLetters(queue: string, ids: readonly string[]): Promise<number> {
    return (await this.connected()).deadLetters.delete(queue, ids);
  }

  /** Deletes the dead-letter stream of `queue`; resolves to how many dead letters it held. */
  async purgeDeadLetters(queue: string): Promise<number> {
    return (await this.connected()).deadLetters.purge(queue);
  }

  /** Every queue ever subscribed in this namespace, and every queue with dead letters (`SCAN`). */
  async listDeadLetterQueues(): Promise<string[]> {
    return listDeadLetterQueues((await this.connected()).redis, this.topology);
  }

  /** Drains every subscription, deletes the reply inbox and closes the connections. Idempotent. */
  close(): Promise<void> {
    if (!this.connecting) return this.closing ?? Promise.resolve();
    this.closing ??= this.shutdown().finally(() => {
      this.closing = undefined;
    });
    return this.closing;
  }

  /** The command connection, for tools and tests that need raw access. */
  async client(): Promise<Redis> {
    return (await this.connected()).redis;
  }

  private async shutdown(): Promise<void> {
    // Handlers finishing during the drain may still publish, so the connection stays until then.
    await Promise.all([...this.subscriptions.keys()].map((subscription) => subscription.close()));
    this.subscriptions.clear();
    await this.inbox?.close();
    this.inbox = undefined;
    const connecting = this.connecting;
    this.connecting = undefined;
    this.publisher = undefined;
    const context = await connecting?.catch(() => undefined);
    if (!context) return;
    await context.discovery.close();
    await context.scheduler.close();
    await context.redis.quit().catch(() => {
      // disconnect() on an ended client arms a 2 s socket timer in ioredis that nothing clears.
      if (context.redis.status !== 'end') context.redis.disconnect();
    });
  }

  private async connected(): Promise<Connected> {
    if (!this.connecting) {
      throw new TransportUnavailableError(
        'The Redis transport is not connected; call connect() first',
      );
    }
    return this.connecting;
  }

  private async open(): Promise<Connected> {
    const options = this.options;
    const connections = new RedisConnections(options);
    const redis = await connections.open('command');
    const topology = this.topology;
    const scripts = new RedisScripts(redis);
    const scheduler = new DelayedScheduler(scripts, topology, options);
    const discovery = new TopicDiscovery({
      connections,
      redis,
      topology,
      discoveryIntervalMs: options.discoveryIntervalMs,
      discoverByScan: options.discoverByScan,
      logger: options.logger,
    });
    const publisher = new RedisPublisher({
      redis,
      scripts,
      topology,
      scheduler,
      maxLen: options.maxLen,
      replyTtlMs: options.replyTtlMs,
    });
    // Redis may have lost the registry while we were away (a restart without persistence).
    redis.on('ready', () => publisher.reset());
    const deadLetterScripts = new DeadLetterScripts(redis);
    const deadLetters = new DeadLetterStreams(redis, deadLetterScripts, topology);
    return {
      redis,
      scripts,
      topology,
      connections,
      scheduler,
      discovery,
      options,
      publisher,
      deadLetterScripts,
      deadLetters,
    };
  }
}
