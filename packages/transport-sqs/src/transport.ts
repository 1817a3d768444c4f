import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
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
  TransportUnavailableError,
} from '@switchyard/core';
import { isQueueMissing } from './aws-errors';
import { type AwsClients, createClients } from './clients';
import { DeadLetterQueues } from './dead-letter-admin';
import { type ResolvedSqsOptions, type SqsTransportOptions, resolveOptions } from './options';
import { SqsPublisher } from './publisher';
import { QueueClient } from './queue-client';
import { toRecord } from './record';
import { ReplyInbox } from './reply-inbox';
import { RetryHeaders } from './retry-headers';
import { Settler } from './settler';
import { SqsSubscriber } from './subscriber';
import { subscriptionSettings } from './subscription-settings';
import { SqsTopology } from './topology';

/**
 * What SQS does natively. Delays and retries are visibility timeouts (and FIFO message groups
 * keep key order through them); there are no priorities or transactions, and SNS accepts a
 * publish whether or not any queue subscribes, so unroutable messages cannot be detected.
 */
export const SQS_CAPABILITIES: TransportCapabilities = Object.freeze({
  delayedDelivery: true,
  priority: false,
  keyOrdering: true,
  transactions: false,
  unroutableDetection: false,
  persistent: true,
});

interface Connection {
  readonly clients: AwsClients;
  readonly topology: SqsTopology;
  readonly publisher: SqsPublisher;
  readonly deadLetters: DeadLetterQueues;
}

/**
 * The Amazon SQS transport behind `sqs://`: publishes go to an SNS topic, each Switchyard queue is
 * an SQS queue subscribed to it with a filter policy built from its patterns, and consumers
 * long-poll their queue. See the package README for the topology and the guarantees.
 */
export class SqsTransport implements Transport, QueueSizeProbe, DeadLetterAdmin, LoggingTransport {
  readonly name = 'sqs';
  readonly capabilities = SQS_CAPABILITIES;
  /** The options in force, defaults applied. */
  readonly options: ResolvedSqsOptions;
  private connection: Promise<Connection> | undefined;
  private current: Connection | undefined;
  private readonly subscribers = new Set<SqsSubscriber>();
  private readonly queues = new Map<string, QueueClient>();
  private readonly retryHeaders = new RetryHeaders();
  private inbox: ReplyInbox | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: SqsTransportOptions = {}) {
    this.options = resolveOptions(options);
  }

  /** Reports failures of background work through the app's logger, unless the options named one. */
  useLogger(logger: Logger): void {
    this.options.logger.adopt(logger);
  }

  /** Creates the clients and the SNS topic(s). Idempotent. */
  async connect(): Promise<void> {
    this.connection ??= this.open().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    this.current = await this.connection;
  }

  /**
   * Sends the message to the SNS topic (and the FIFO topic, when on); resolves once SNS accepted
   * it. `mandatory` is ignored: SNS cannot tell whether any queue subscribes.
   */
  async publish(message: OutgoingMessage): Promise<void> {
    const record = toRecord(message);
    await this.connected().publisher.publish(record);
  }

  async subscribe(spec: SubscriptionSpec, handler: DeliveryHandler): Promise<Subscription> {
    const { topology, publisher } = this.connected();
    const settings = subscriptionSettings(spec, this.options);
    const urls = await topology.declareQueue(spec, settings.visibilityTimeoutSeconds);
    const queue = this.queue(urls.url);
    const deadLetters = { url: urls.deadLetterUrl, fifo: urls.fifo };
    const subscriber = new SqsSubscriber({
      spec,
      settings,
      handler,
      queue,
      settler: new Settler(queue, deadLetters, publisher, this.retryHeaders),
      retryHeaders: this.retryHeaders,
      logger: this.options.logger,
    });
    this.subscribers.add(subscriber);
    subscriber.start();
    return {
      close: async () => {
        await subscriber.close();
        this.subscribers.delete(subscriber);
      },
    };
  }

  /** Creates this instance's reply queue (removed again by `close`); its URL is the address. */
  async openReplyInbox(onReply: ReplyHandler): Promise<string> {
    const { topology } = this.connected();
    const url = await topology.createReplyQueue();
    this.inbox = new ReplyInbox(
      this.queue(url),
      onReply,
      this.options.waitTimeSeconds,
      this.options.logger,
    );
    return url;
  }

  /** Sends a reply to a reply queue's URL; a reply to a queue that is gone is dropped. */
  async reply(address: string, message: OutgoingMessage): Promise<void> {
    const { publisher } = this.connected();
    try {
      await publisher.sendToQueue(address, toRecord(message), false);
    } catch (error) {
      if (!isQueueMissing(error)) throw error;
      publisher.forgetQueue(address);
    }
  }

  /** `ApproximateNumberOfMessages` of the queue; undefined when the queue does not exist. */
  async queueSize(queue: string): Promise<number | undefined> {
    const { clients, topology } = this.connected();
    const urls = await topology.lookup(queue);
    if (!urls) return undefined;
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: urls.url,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  /** Up to `limit` letters of the queue's `-dlq` queue, oldest first, left in place. */
  peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]> {
    return this.connected().deadLetters.peek(queue, limit);
  }

  /** Sends `message` into `queue` alone (not through SNS) as a first attempt. */
  redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    return this.connected().deadLetters.redeliver(queue, message);
  }

  /** Removes the letters with these message ids, scanning the `-dlq` queue (see the README). */
  deleteDeadLetters(queue: string, ids: readonly string[]): Promise<number> {
    return this.connected().deadLetters.delete(queue, ids);
  }

  /** Removes every letter of the `-dlq` queue not hidden by a read in progress. */
  purgeDeadLetters(queue: string): Promise<number> {
    return this.connected().deadLetters.purge(queue);
  }

  /** The queues with a `-dlq` queue under this transport's prefix, from the queues' tags. */
  listDeadLetterQueues(): Promise<string[]> {
    return this.connected().deadLetters.list();
  }

  /** Drains every subscription, deletes the reply queue, flushes sends and closes the clients. */
  close(): Promise<void> {
    this.closing ??= this.shutdown().finally(() => {
      this.closing = undefined;
    });
    return this.closing;
  }

  /**
   * Stops at once the way a killed process does: nothing is drained or settled, and every message
   * held reappears once its visibility timeout runs out. For tests of crash recovery.
   */
  disconnect(): void {
    for (const subscriber of this.subscribers) subscriber.crash();
    this.subscribers.clear();
    this.inbox?.crash();
    this.inbox = undefined;
    this.release();
  }

  private async open(): Promise<Connection> {
    const clients = createClients(this.options);
    const topology = new SqsTopology(clients, this.options);
    try {
      const topics = await topology.topicArns();
      const publisher = new SqsPublisher(clients, topics, this.options.publishLingerMs);
      const queue = (url: string) => this.queueFor(clients, url);
      const deadLetters = new DeadLetterQueues({
        clients,
        topology,
        publisher,
        queue,
        options: this.options,
      });
      return { clients, topology, publisher, deadLetters };
    } catch (error) {
      clients.sqs.destroy();
      clients.sns.destroy();
      throw error;
    }
  }

  private async shutdown(): Promise<void> {
    const connection = this.current;
    if (!connection) return;
    await Promise.all([...this.subscribers].map((subscriber) => subscriber.close()));
    this.subscribers.clear();
    const inbox = this.inbox;
    this.inbox = undefined;
    if (inbox) {
      await inbox.close();
      await connection.topology.deleteQueue(inbox.address);
    }
    await connection.publisher.flush();
    await Promise.all([...this.queues.values()].map((queue) => queue.flush()));
    this.release();
  }

  private release(): void {
    const connection = this.current;
    this.current = undefined;
    this.connection = undefined;
    this.queues.clear();
    connection?.clients.sqs.destroy();
    connection?.clients.sns.destroy();
  }

  private queue(url: string): QueueClient {
    return this.queueFor(this.connected().clients, url);
  }

  private queueFor(clients: AwsClients, url: string): QueueClient {
    let queue = this.queues.get(url);
    if (!queue) {
      queue = new QueueClient(clients, url, this.options.ackLingerMs);
      this.queues.set(url, queue);
    }
    return queue;
  }

  private connected(): Connection {
    if (!this.current) {
      throw new TransportUnavailableError(
        'The SQS transport is not connected; call connect() first',
      );
    }
    return this.current;
  }
}
