import { randomBytes } from 'node:crypto';
import {
  type DeadLetter,
  type DeadLetterAdmin,
  type DeliveryHandler,
  type InboundMessage,
  type Logger,
  type LoggingTransport,
  type OutgoingMessage,
  type QueueSizeProbe,
  type ReplyHandler,
  type Subscription,
  type SubscriptionSpec,
  type TransactionalTransport,
  type TransportCapabilities,
  type TransportPublishOptions,
  type TransportTransaction,
  TransportLogger,
  TransportUnavailableError,
} from '@switchyard/core';
import { type Admin, Kafka, Partitioners, type SASLOptions } from 'kafkajs';
import { consumerLag } from './consumer-lag';
import { KafkaDeadLetters } from './dead-letter-admin';
import { deliveryOf } from './delivery';
import { KafkaTransactionError } from './errors';
import { KAFKAJS_LEVELS, kafkaLogCreator } from './log-creator';
import { type KafkaOptions, parseKafkaUrl } from './options';
import { KafkaPublisher } from './publisher';
import { toRecord } from './records';
import { ProducerSlot } from './producer-slot';
import { ReplyInbox } from './reply-inbox';
import { ReplySender } from './reply-sender';
import { KafkaSubscriber, type SubscriberDeps } from './subscriber';
import { TopicRegistry } from './topic-registry';
import { Topology, checked } from './topology';
import { type ConsumedOffset, KafkaTransaction } from './transaction';
import { TransactionPool } from './transaction-pool';

/**
 * What Kafka does natively. No priority (a partition is a log, served in order); no unroutable
 * detection (a topic does not know whether any group will read it). Delays and retry backoff
 * are honoured through each queue's retry topic without blocking a partition.
 */
export const KAFKA_CAPABILITIES: TransportCapabilities = Object.freeze({
  delayedDelivery: true,
  priority: false,
  keyOrdering: true,
  transactions: true,
  unroutableDetection: false,
  persistent: true,
});

/** Collaborators that a URL cannot carry. */
export interface KafkaTransportSettings {
  /** Where the transport and kafkajs report problems. Default: a `ConsoleLogger`. */
  readonly logger?: Logger;
}

interface Connection {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: ProducerSlot;
  readonly replyProducer: ProducerSlot;
  readonly publisher: KafkaPublisher;
  readonly replies: ReplySender;
  readonly topics: TopicRegistry;
  readonly pool: TransactionPool;
  readonly deadLetters: KafkaDeadLetters;
}

/**
 * The Kafka transport (`kafka://host:port,host:port?…`), on kafkajs: a topic is a Kafka topic of
 * the same name, a queue is a consumer group, a key is the record key. Implements transactions
 * (exactly-once consume → produce → commit), queue sizes (consumer lag) and dead-letter
 * management (read, redeliver, delete, purge).
 */
export class KafkaTransport
  implements TransactionalTransport, QueueSizeProbe, DeadLetterAdmin, LoggingTransport
{
  readonly name = 'kafka';
  readonly capabilities = KAFKA_CAPABILITIES;
  readonly options: KafkaOptions;
  /** Names this instance's reply topic and, unless configured, its transactional ids. */
  readonly instanceId = randomBytes(6).toString('hex');
  private readonly topology: Topology;
  private readonly logger: TransportLogger;
  private readonly subscribers = new Map<string, KafkaSubscriber>();
  private readonly createdTopics = new Set<string>();
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private inbox: ReplyInbox | undefined;

  constructor(url: string | URL | KafkaOptions, settings: KafkaTransportSettings = {}) {
    this.options = typeof url === 'string' || url instanceof URL ? parseKafkaUrl(url) : url;
    this.topology = new Topology(this.options.internalPrefix);
    this.logger = new TransportLogger(settings.logger);
  }

  /** Reports kafkajs's and the transport's problems through the app's logger, unless the settings named one. */
  useLogger(logger: Logger): void {
    this.logger.adopt(logger);
  }

  /** Topics this instance created, so far (tools and tests that clean up after themselves). */
  get topicsCreated(): readonly string[] {
    return [...this.createdTopics, ...(this.connection?.topics.created ?? [])];
  }

  async connect(): Promise<void> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw new TransportUnavailableError(
        `Cannot reach Kafka at ${this.options.brokers.join(',')}: ${(error as Error).message}`,
        { cause: error },
      );
    });
    this.connection = await this.connecting;
  }

  async publish(message: OutgoingMessage, _options?: TransportPublishOptions): Promise<void> {
    await this.ready().publisher.send(checked(message.topic), toRecord(message));
  }

  async subscribe(spec: SubscriptionSpec, handler: DeliveryHandler): Promise<Subscription> {
    const subscriber = new KafkaSubscriber(this.subscriberDeps(), spec, handler);
    this.subscribers.set(spec.queue, subscriber);
    try {
      await subscriber.start();
    } catch (error) {
      this.subscribers.delete(spec.queue);
      await subscriber.abort();
      throw error;
    }
    return {
      close: async () => {
        await subscriber.close();
        if (this.subscribers.get(spec.queue) === subscriber) this.subscribers.delete(spec.queue);
      },
    };
  }

  async openReplyInbox(onReply: ReplyHandler): Promise<string> {
    const { kafka, admin, topics } = this.ready();
    const address = this.topology.replyTopic(this.instanceId);
    this.inbox = new ReplyInbox(address, kafka, admin, topics, this.options);
    return this.inbox.open(onReply);
  }

  /** Sends a reply; one to an inbox that no longer exists (its requester stopped) is dropped. */
  async reply(address: string, message: OutgoingMessage): Promise<void> {
    await this.ready().replies.send(address, toRecord(message));
  }

  async beginTransaction(consumed?: InboundMessage): Promise<TransportTransaction> {
    const { pool, topics } = this.ready();
    const producer = await pool.acquire();
    let transaction;
    try {
      transaction = await producer.transaction();
    } catch (error) {
      pool.release(producer, true);
      throw new KafkaTransactionError('beginning', error);
    }
    const offset = consumed ? this.consumedOffset(consumed) : undefined;
    return new KafkaTransaction(producer, transaction, pool, topics, offset);
  }

  async queueSize(queue: string): Promise<number | undefined> {
    return consumerLag(this.ready().admin, queue, this.subscribers.get(queue)?.topics);
  }

  /**
   * Records of `queue` this instance fetched and has not settled yet (at most the subscription's
   * `prefetch`, plus retry copies waiting for their time); `undefined` when it does not consume it.
   */
  fetchedAhead(queue: string): number | undefined {
    return this.subscribers.get(queue)?.unsettled;
  }

  async peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]> {
    return this.ready().deadLetters.peek(queue, limit);
  }

  /** Appends `message` to the queue's retry topic, due at once: only that queue reads it. */
  async redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    return this.ready().deadLetters.redeliver(queue, message);
  }

  /**
   * Removes these dead letters by rewriting the dead-letter topic (a Kafka topic cannot lose a
   * record from its middle): O(letters in the topic). See the package README.
   */
  async deleteDeadLetters(queue: string, ids: readonly string[]): Promise<number> {
    return this.ready().deadLetters.delete(queue, ids);
  }

  async purgeDeadLetters(queue: string): Promise<number> {
    return this.ready().deadLetters.purge(queue);
  }

  async listDeadLetterQueues(): Promise<string[]> {
    return this.ready().deadLetters.queues();
  }

  /**
   * Drains the subscriptions not yet closed (those whose close already started, and outlived the
   * app's drain deadline, leave the group at once), deletes the reply inbox and disconnects.
   */
  async close(): Promise<void> {
    const subscribers = [...this.subscribers.values()];
    this.subscribers.clear();
    await Promise.all(subscribers.map((s) => (s.isClosing ? s.abort() : s.close())));
    await this.inbox?.close();
    this.inbox = undefined;
    const connection = this.connection;
    this.connection = undefined;
    this.connecting = undefined;
    if (!connection) return;
    for (const topic of connection.topics.created) this.createdTopics.add(topic);
    await connection.pool.close();
    await Promise.all([
      connection.producer.close(),
      connection.replyProducer.close(),
      connection.admin.disconnect().catch(() => undefined),
    ]);
  }

  /**
   * Drops everything the way a killed process would: consumers leave their groups without
   * finishing or committing what they hold, so other members get it again. For tests of
   * redelivery; a service stops with `close()`.
   */
  async disconnect(): Promise<void> {
    const subscribers = [...this.subscribers.values()];
    this.subscribers.clear();
    await Promise.all(subscribers.map((subscriber) => subscriber.abort(false)));
    await this.close();
  }

  private async open(): Promise<Connection> {
    const { options } = this;
    const kafka = new Kafka({
      brokers: [...options.brokers],
      clientId: options.clientId,
      ssl: options.ssl,
      ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions } : {}),
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      logLevel: KAFKAJS_LEVELS[options.logLevel],
      logCreator: kafkaLogCreator(this.logger, options.logLevel),
    });
    const admin = kafka.admin();
    const producer = new ProducerSlot(() =>
      kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
    const replyProducer = new ProducerSlot(() =>
      kafka.producer({
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
    await Promise.all([admin.connect(), producer.get()]);
    const topics = new TopicRegistry(admin, options);
    const pool = new TransactionPool(kafka, {
      idPrefix: options.transactionalIdPrefix ?? `${options.clientId}-${this.instanceId}`,
      size: options.transactionPoolSize,
      transactionTimeoutMs: options.transactionTimeoutMs,
    });
    const publisher = new KafkaPublisher(producer, topics);
    return {
      kafka,
      admin,
      producer,
      replyProducer,
      topics,
      pool,
      publisher,
      replies: new ReplySender(replyProducer, admin),
      deadLetters: new KafkaDeadLetters({
        kafka,
        admin,
        publisher,
        topology: this.topology,
        options,
      }),
    };
  }

  private subscriberDeps(): SubscriberDeps {
    const { kafka, topics, publisher } = this.ready();
    return {
      kafka,
      topics,
      publisher,
      options: this.options,
      topology: this.topology,
      logger: this.logger,
    };
  }

  private consumedOffset(consumed: InboundMessage): ConsumedOffset {
    return {
      commitWith: async (transaction) => {
        const delivery = deliveryOf(consumed);
        const subscriber = this.subscribers.get(consumed.queue);
        if (!delivery || !subscriber) {
          throw new TransportUnavailableError(
            `Message ${consumed.id} of "${consumed.queue}" is not one this transport delivered (or its subscription closed); its offset cannot be committed`,
          );
        }
        await subscriber.commitInTransaction(delivery, transaction);
      },
    };
  }

  private ready(): Connection {
    if (!this.connection) {
      throw new TransportUnavailableError(
        'The Kafka transport is not connected; call connect() first',
      );
    }
    return this.connection;
  }
}
