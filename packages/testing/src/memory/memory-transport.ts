import {
  type DeadLetter,
  type DeadLetterAdmin,
  type DeliveryHandler,
  type InboundMessage,
  type OutgoingMessage,
  type TransportPublishOptions,
  type QueueSizeProbe,
  type ReplyHandler,
  type Subscription,
  type SubscriptionSpec,
  type TransactionalTransport,
  type TransportCapabilities,
  type TransportTransaction,
  TransportUnavailableError,
  UnknownQueueError,
} from '@switchyard/core';
import { MemoryBroker } from './memory-broker';
import { MemoryConsumer, type MemoryQueue } from './memory-queue';
import { MemoryTransaction } from './memory-transaction';

/** What the in-memory broker does: everything but surviving the process. */
export const MEMORY_CAPABILITIES: TransportCapabilities = Object.freeze({
  delayedDelivery: true,
  priority: true,
  keyOrdering: true,
  transactions: true,
  unroutableDetection: true,
  persistent: false,
});

/**
 * A client of a `MemoryBroker`: the embedded transport behind `memory://`. Several transports on
 * one broker behave like several processes on one real broker, which is how tests model
 * competing workers, crashes (`disconnect()`) and restarts.
 */
export class MemoryTransport implements TransactionalTransport, QueueSizeProbe, DeadLetterAdmin {
  readonly name = 'memory';
  readonly capabilities = MEMORY_CAPABILITIES;
  private connected = false;
  private readonly consumers = new Set<MemoryConsumer>();
  private inbox: string | undefined;

  constructor(readonly broker: MemoryBroker = MemoryBroker.named()) {}

  async connect(): Promise<void> {
    this.connected = true;
  }

  async publish(message: OutgoingMessage, options?: TransportPublishOptions): Promise<void> {
    this.assertConnected();
    this.broker.publish(message, options?.mandatory);
  }

  async subscribe(spec: SubscriptionSpec, handler: DeliveryHandler): Promise<Subscription> {
    this.assertConnected();
    const queue = this.broker.declareQueue(spec);
    const consumer = new MemoryConsumer(queue, spec, handler);
    this.consumers.add(consumer);
    queue.attach(consumer);
    return {
      close: async () => {
        await consumer.close();
        this.consumers.delete(consumer);
      },
    };
  }

  async openReplyInbox(onReply: ReplyHandler): Promise<string> {
    this.assertConnected();
    this.inbox = this.broker.openInbox(onReply);
    return this.inbox;
  }

  async reply(address: string, message: OutgoingMessage): Promise<void> {
    this.assertConnected();
    this.broker.reply(address, message);
  }

  async beginTransaction(consumed?: InboundMessage): Promise<TransportTransaction> {
    this.assertConnected();
    return new MemoryTransaction(this.broker, consumed);
  }

  async queueSize(queue: string): Promise<number | undefined> {
    return this.broker.queue(queue)?.size;
  }

  async peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]> {
    return (this.broker.queue(queue)?.deadLetters ?? []).slice(0, limit);
  }

  async redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    this.existingQueue(queue).enqueue({ message, headers: message.headers, attempt: 1 });
  }

  async deleteDeadLetters(queue: string, ids: readonly string[]): Promise<number> {
    const letters = this.existingQueue(queue).deadLetters;
    const wanted = new Set(ids);
    let removed = 0;
    for (let index = letters.length - 1; index >= 0; index--) {
      if (wanted.has(letters[index].id)) {
        letters.splice(index, 1);
        removed++;
      }
    }
    return removed;
  }

  async purgeDeadLetters(queue: string): Promise<number> {
    const letters = this.existingQueue(queue).deadLetters;
    return letters.splice(0).length;
  }

  async listDeadLetterQueues(): Promise<string[]> {
    return this.broker.queueNames();
  }

  /** Drains every consumer, then disconnects. */
  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
    this.release();
  }

  /**
   * Drops the connection the way a killed process does: nothing is drained, and every message
   * delivered but not settled goes back to its queue for another consumer.
   */
  disconnect(): void {
    for (const consumer of this.consumers) consumer.abort();
    this.release();
  }

  private release(): void {
    this.consumers.clear();
    if (this.inbox) this.broker.closeInbox(this.inbox);
    this.inbox = undefined;
    this.connected = false;
  }

  private existingQueue(name: string): MemoryQueue {
    const queue = this.broker.queue(name);
    if (!queue) throw new UnknownQueueError(`The memory broker has no queue "${name}"`);
    return queue;
  }

  private assertConnected(): void {
    if (!this.connected)
      throw new TransportUnavailableError(
        'The memory transport is not connected; call connect() first',
      );
  }
}
