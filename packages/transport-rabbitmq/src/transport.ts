import {
  type DeadLetter,
  type DeadLetterAdmin,
  type DeliveryHandler,
  Headers,
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
import type { Channel, ChannelModel } from 'amqplib';
import { quietChannel } from './channel-holder';
import { AmqpConnection } from './connection';
import { DeadLetterQueues } from './dead-letter-admin';
import { type RabbitMqOptions, parseOptions } from './options';
import { Publisher } from './publisher';
import { queueOptions } from './queue-settings';
import { ReplyInbox } from './reply-inbox';
import { Subscriber } from './subscriber';

/**
 * What RabbitMQ does natively: TTL queues for delays, priority queues, the mandatory flag, durable
 * queues. `keyOrdering` holds because an ordered subscription's queue has a single active consumer
 * that serves each key one at a time (see the README). No transactions: AMQP's tx class does not
 * cover consuming.
 */
export const RABBITMQ_CAPABILITIES: TransportCapabilities = Object.freeze({
  delayedDelivery: true,
  priority: true,
  keyOrdering: true,
  transactions: false,
  unroutableDetection: true,
  persistent: true,
});

/**
 * The RabbitMQ transport (`amqp://`, `amqps://`): one connection, one confirm channel for
 * publishing, one channel per subscription, one for the reply inbox, and short-lived channels for
 * queue sizes and dead-letter management.
 */
export class RabbitMqTransport implements Transport, QueueSizeProbe, DeadLetterAdmin {
  readonly name = 'rabbitmq';
  readonly capabilities = RABBITMQ_CAPABILITIES;
  readonly options: RabbitMqOptions;
  private readonly connection: AmqpConnection;
  private readonly publisher: Publisher;
  private readonly deadLetters: DeadLetterQueues;
  private readonly subscribers = new Set<Subscriber>();
  private inbox: ReplyInbox | undefined;
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** @param url `amqp://user:pass@host:port/vhost?exchange=…` (see `RabbitMqOptions`). */
  constructor(url: string | URL) {
    this.options = parseOptions(typeof url === 'string' ? new URL(url) : url);
    this.connection = new AmqpConnection(this.options);
    this.publisher = new Publisher(this.connection, this.options);
    this.connection.add(this.publisher);
    this.deadLetters = new DeadLetterQueues(
      async () => quietChannel(await this.model()),
      this.publisher,
      this.options,
    );
  }

  connect(): Promise<void> {
    this.connecting ??= (async () => {
      const model = await this.connection.open();
      await this.publisher.start(model);
    })().catch((error: unknown) => {
      // A failed first connect may be tried again.
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  publish(message: OutgoingMessage, options?: TransportPublishOptions): Promise<void> {
    this.assertConnected();
    const replyTo = message.headers[Headers.replyTo];
    if (replyTo !== undefined && this.inbox) {
      const live = this.inbox.current(replyTo);
      if (live !== replyTo)
        message = { ...message, headers: { ...message.headers, [Headers.replyTo]: live } };
    }
    return this.publisher.publishMessage(message, options?.mandatory === true);
  }

  async subscribe(spec: SubscriptionSpec, handler: DeliveryHandler): Promise<Subscription> {
    queueOptions(spec);
    const model = await this.model();
    const subscriber = new Subscriber(this.connection, this.options, this.publisher, spec, handler);
    await subscriber.start(model);
    this.connection.add(subscriber);
    this.subscribers.add(subscriber);
    return {
      close: async () => {
        await subscriber.close();
        this.subscribers.delete(subscriber);
      },
    };
  }

  async openReplyInbox(onReply: ReplyHandler): Promise<string> {
    const model = await this.model();
    const inbox = new ReplyInbox(this.connection, this.options, onReply);
    const address = await inbox.openOn(model);
    this.connection.add(inbox);
    this.inbox = inbox;
    return address;
  }

  reply(address: string, message: OutgoingMessage): Promise<void> {
    this.assertConnected();
    return this.publisher.reply(address, message);
  }

  /** Messages ready in `queue` (RabbitMQ's `messageCount`), or `undefined` when it does not exist. */
  async queueSize(queue: string): Promise<number | undefined> {
    return this.withChannel(async (channel) => {
      try {
        return (await channel.checkQueue(queue)).messageCount;
      } catch {
        return undefined;
      }
    });
  }

  /** Up to `limit` messages of `<queue>.dlq`, oldest first, left in place; none without a DLQ. */
  peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]> {
    return this.deadLetters.peek(queue, limit);
  }

  /**
   * Publishes `message` through the default exchange into `queue` alone, as a first attempt;
   * resolves once confirmed. `UnknownQueueError` when the queue does not exist.
   */
  redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    this.assertConnected();
    return this.deadLetters.redeliver(queue, message);
  }

  /**
   * Removes the messages of `<queue>.dlq` with these ids, keeping the others in order. Reads
   * through the whole DLQ: O(depth) round trips per call (see the README).
   */
  deleteDeadLetters(queue: string, ids: readonly string[]): Promise<number> {
    return this.deadLetters.delete(queue, ids);
  }

  /** Purges `<queue>.dlq`; resolves to how many messages it removed. */
  purgeDeadLetters(queue: string): Promise<number> {
    return this.deadLetters.purge(queue);
  }

  /**
   * The queues with a `<queue>.dlq`, from the management HTTP API (`?management=`); `undefined`
   * when none is configured, as AMQP cannot list queues.
   */
  listDeadLetterQueues(): Promise<string[] | undefined> {
    return this.deadLetters.list();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscribers].map((subscriber) => subscriber.close()));
      this.subscribers.clear();
      await this.inbox?.close();
      await this.publisher.close();
      await this.connection.close();
    })();
    return this.closing;
  }

  /** Runs `work` on a short-lived channel, closed afterwards (which also requeues what it got). */
  private async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await quietChannel(await this.model());
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private async model(): Promise<ChannelModel> {
    this.assertConnected();
    const model = this.connection.current;
    if (!model)
      throw new TransportUnavailableError(
        'The connection to RabbitMQ is down; it is being restored',
      );
    return model;
  }

  private assertConnected(): void {
    if (this.closing) throw new TransportUnavailableError('The RabbitMQ transport is closed');
    if (!this.connecting) {
      throw new TransportUnavailableError(
        'The RabbitMQ transport is not connected; call connect() first',
      );
    }
  }
}
