import {
  type DeadLetter,
  DeadLetterHeaders,
  type OutgoingMessage,
  TransportUnavailableError,
  UnknownQueueError,
} from '@switchyard/core';
import type { Admin, Kafka, Message } from 'kafkajs';
import { type StoredRecord, readDeadLetterRecords } from './dead-letter-reader';
import { KafkaHeaders, readHeaders } from './headers';
import type { KafkaOptions } from './options';
import type { KafkaPublisher } from './publisher';
import { toRecord } from './records';
import type { Topology } from './topology';

/** What the dead-letter operations use of the transport's connection. */
export interface DeadLetterDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly publisher: KafkaPublisher;
  readonly topology: Topology;
  readonly options: KafkaOptions;
}

/** A record as a dead letter, with the identity that survives a move within its topic. */
interface Letter {
  readonly stored: StoredRecord;
  readonly letter: DeadLetter;
  readonly origin: string;
}

/**
 * Dead-letter management on Kafka, where a topic is an append-only log: a record cannot be
 * removed from the middle of it, only everything before an offset (`DeleteRecords`).
 *
 * - Redelivery appends to the queue's retry topic, due at once: only that queue's group reads it.
 * - Deletion rewrites the topic: the letters to keep are appended again (same key, body, headers
 *   and timestamp) and, once Kafka has them, everything up to where the read ended is cut. Letters
 *   dead-lettered meanwhile are after that point and stay. It costs a read of the whole topic.
 * - A crash between the two steps leaves the kept letters twice; each copy names its original
 *   (`swy-dlq-origin`) and reads show one of them, so nothing appears twice nor is lost.
 */
export class KafkaDeadLetters {
  constructor(private readonly deps: DeadLetterDeps) {}

  async peek(queue: string, limit: number): Promise<DeadLetter[]> {
    const { records } = await this.read(this.deps.topology.deadLetterTopic(queue), limit);
    return distinct(records).map(({ letter }) => letter);
  }

  async redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    const { publisher, topology } = this.deps;
    const retryTopic = topology.retryTopic(queue);
    if (!(await this.deps.admin.listTopics()).includes(retryTopic)) {
      throw unknownQueue(queue, retryTopic);
    }
    const record = toRecord(message);
    record.headers = {
      ...record.headers,
      [KafkaHeaders.attempt]: '1',
      [KafkaHeaders.deliverAt]: String(Date.now()),
      [KafkaHeaders.originalTopic]: message.topic,
    };
    await publisher.send(retryTopic, record, false);
  }

  async delete(queue: string, ids: readonly string[]): Promise<number> {
    const topic = await this.deadLetterTopic(queue);
    if (topic === undefined || ids.length === 0) return 0;
    const read = await this.readAll(topic);
    const doomed = new Set(ids);
    const letters = distinct(read.records);
    const kept = letters.filter(({ letter }) => !doomed.has(letter.id));
    const removed = letters.length - kept.length;
    if (removed === 0) return 0;
    await Promise.all(
      kept.map(({ stored, origin }) =>
        this.deps.publisher.send(topic, moved(stored, origin), false),
      ),
    );
    await this.truncate(topic, read.ends);
    return removed;
  }

  async purge(queue: string): Promise<number> {
    const topic = await this.deadLetterTopic(queue);
    if (topic === undefined) return 0;
    const ends = new Map<number, number>();
    let removed = 0;
    for (const { partition, low, high } of await this.deps.admin.fetchTopicOffsets(topic)) {
      ends.set(partition, Number(high));
      removed += Number(high) - Number(low);
    }
    await this.truncate(topic, ends);
    return removed;
  }

  /** Queues with a dead-letter topic, whether or not it holds letters now. */
  async queues(): Promise<string[]> {
    const { admin, topology } = this.deps;
    const queues: string[] = [];
    for (const topic of await admin.listTopics()) {
      const queue = topology.deadLetterQueue(topic);
      if (queue !== undefined) queues.push(queue);
    }
    return queues.sort();
  }

  private read(topic: string, limit: number) {
    const { kafka, admin, options } = this.deps;
    return readDeadLetterRecords(kafka, admin, topic, limit, options);
  }

  /** Every record of `topic`, or an error: a rewrite must never cut what it has not read. */
  private async readAll(topic: string) {
    const read = await this.read(topic, Number.POSITIVE_INFINITY);
    if (!read.complete) {
      throw new TransportUnavailableError(
        `Could not read all of ${topic} (Kafka stopped sending records); nothing was deleted, try again`,
      );
    }
    return read;
  }

  private async truncate(topic: string, ends: ReadonlyMap<number, number>): Promise<void> {
    const partitions = [...ends]
      .filter(([, end]) => end > 0)
      .map(([partition, end]) => ({ partition, offset: String(end) }));
    if (partitions.length > 0) await this.deps.admin.deleteTopicRecords({ topic, partitions });
  }

  /**
   * The queue's dead-letter topic; `undefined` when it has none yet (created with the first
   * letter), `UnknownQueueError` when the queue has no retry topic either (never subscribed).
   */
  private async deadLetterTopic(queue: string): Promise<string | undefined> {
    const { admin, topology } = this.deps;
    const topics = new Set(await admin.listTopics());
    const topic = topology.deadLetterTopic(queue);
    if (topics.has(topic)) return topic;
    const retryTopic = topology.retryTopic(queue);
    if (topics.has(retryTopic)) return undefined;
    throw unknownQueue(queue, retryTopic);
  }
}

function unknownQueue(queue: string, retryTopic: string): UnknownQueueError {
  return new UnknownQueueError(
    `Kafka has no queue "${queue}": neither its retry topic ${retryTopic} nor a dead-letter topic exists; start its consumer, which creates them, or check the name (<group>.<method>)`,
  );
}

/** The dead letters of `records`, each once: a copy whose original is still there is skipped. */
function distinct(records: readonly StoredRecord[]): Letter[] {
  const seen = new Set<string>();
  const letters: Letter[] = [];
  for (const stored of records) {
    const origin = originOf(stored);
    if (seen.has(origin)) continue;
    seen.add(origin);
    letters.push({ stored, origin, letter: toDeadLetter(stored, origin) });
  }
  return letters;
}

function originOf({ partition, record }: StoredRecord): string {
  const origin = record.headers?.[KafkaHeaders.deadLetterOrigin];
  if (origin !== undefined) return String(origin);
  return `${partition}:${record.offset}`;
}

/** The record to append when a rewrite keeps `stored`: the same one, naming its origin. */
function moved({ partition, record }: StoredRecord, origin: string): Message {
  return {
    partition,
    key: record.key,
    value: record.value,
    timestamp: record.timestamp,
    headers: { ...record.headers, [KafkaHeaders.deadLetterOrigin]: origin },
  };
}

/**
 * A record of a dead-letter topic as a `DeadLetter`. One without a `message-id` header (written
 * by another tool) is known by `<original topic>@<partition>:<offset>` of where it was first.
 */
function toDeadLetter({ record }: StoredRecord, origin: string): DeadLetter {
  const { headers, messageId } = readHeaders(record.headers);
  const topic = headers[DeadLetterHeaders.originalTopic] ?? '';
  return {
    id: messageId ?? `${topic}@${origin}`,
    topic,
    key: record.key === null ? undefined : record.key.toString('utf8'),
    headers,
    body: record.value ?? Buffer.alloc(0),
  };
}
