import { MessageTooLargeError } from '@switchyard/core';
import type { Message, TopicMessages } from 'kafkajs';
import { KafkaPublishError } from './errors';
import { type ProducerSlot, isUnknownTopic } from './producer-slot';
import type { TopicRegistry } from './topic-registry';

interface Pending {
  readonly topic: string;
  readonly record: Message;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Most records in one produce request; the rest wait for the next one. */
const MAX_BATCH = 1_000;
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Sends records with an idempotent producer (`acks=all`), creating topics on first use. Records
 * published while a produce request is on its way (or in the same tick) share the next request,
 * so concurrent publishes cost one round trip, not one each; a lone publish is sent at once.
 * Each publish resolves once Kafka has acknowledged its record.
 */
export class KafkaPublisher {
  private queue: Pending[] = [];
  private sending = false;
  private scheduled = false;

  constructor(
    private readonly producer: ProducerSlot,
    private readonly topics: TopicRegistry,
  ) {}

  /** Sends one record to `topic`, creating the topic first unless `create` is false. */
  async send(topic: string, record: Message, create = true): Promise<void> {
    if (create && !this.topics.isReady(topic)) await this.topics.ensure(topic);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, record, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.sending || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0) {
      const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
      this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
      await this.sendBatch(batch);
    }
    this.sending = false;
  }

  private async sendBatch(batch: Pending[], fresh = false): Promise<void> {
    try {
      const producer = await this.producer.get();
      await producer.sendBatch({ acks: -1, topicMessages: groupByTopic(batch) });
      for (const pending of batch) pending.resolve();
    } catch (error) {
      if (isUnknownTopic(error) && !fresh) {
        // A topic this producer once wrote to was deleted, or one of these was: start over with
        // a new producer, re-creating this batch's topics if they are gone.
        await this.producer.replace().catch(() => undefined);
        const topics = new Set(batch.map((pending) => pending.topic));
        this.topics.forget(topics);
        await Promise.all([...topics].map((topic) => this.topics.ensure(topic))).catch(
          () => undefined,
        );
        await this.sendBatch(batch, true);
        return;
      }
      if (isTooLarge(error) && batch.length > 1) {
        // One oversized record must not fail the others that shared its request.
        for (const pending of batch) await this.sendBatch([pending]);
        return;
      }
      for (const pending of batch) pending.reject(publishError(pending.topic, error));
    }
  }
}

function groupByTopic(batch: readonly Pending[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, record } of batch) {
    const messages = byTopic.get(topic);
    if (messages) messages.push(record);
    else byTopic.set(topic, [record]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function isTooLarge(error: unknown): boolean {
  const type = (error as { type?: string }).type;
  const cause = (error as { cause?: { type?: string } }).cause?.type;
  return TOO_LARGE.has(type ?? '') || TOO_LARGE.has(cause ?? '');
}

function publishError(topic: string, error: unknown): Error {
  if (isTooLarge(error)) {
    return new MessageTooLargeError(
      `The message for "${topic}" is larger than Kafka accepts (the topic's max.message.bytes)`,
      { cause: error },
    );
  }
  return new KafkaPublishError(topic, error);
}
