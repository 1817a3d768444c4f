import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaOptions } from './options';

/** How long a read waits for the next batch before it gives up. */
const IDLE_TIMEOUT_MS = 10_000;

/** A record of a dead-letter topic, with where it is. */
export interface StoredRecord {
  readonly partition: number;
  readonly record: KafkaMessage;
}

/** What a read found: the records, oldest first, and the end offset it read up to per partition. */
export interface DeadLetterRead {
  readonly records: StoredRecord[];
  /** Per partition, the offset after the last record read (where a truncation may cut). */
  readonly ends: ReadonlyMap<number, number>;
  /** False when the read gave up (no batch for 10 s) before it reached every end. */
  readonly complete: boolean;
}

const NOTHING: DeadLetterRead = { records: [], ends: new Map(), complete: true };

/**
 * Reads up to `limit` records of a dead-letter topic from its beginning, without consuming them
 * for anyone: a throwaway consumer group reads up to the high watermarks taken before it started,
 * then leaves and is deleted. A missing topic costs one request; an empty one, two.
 */
export async function readDeadLetterRecords(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  limit: number,
  options: KafkaOptions,
): Promise<DeadLetterRead> {
  // Nothing was ever dead-lettered to a topic that does not exist. Asked first, because kafkajs
  // retries offsets of an unknown topic for seconds before it gives up.
  if (limit <= 0 || !(await admin.listTopics()).includes(topic)) return NOTHING;
  const ends = new Map<number, number>();
  const pending = new Map<number, number>();
  for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
    const end = Math.min(Number(high), Number(low) + limit);
    ends.set(partition, end);
    if (end > Number(low)) pending.set(partition, end);
  }
  if (pending.size === 0) return { records: [], ends, complete: true };
  const records: StoredRecord[] = [];
  const groupId = `${topic}.peek.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    maxWaitTimeInMs: Math.min(options.maxWaitTimeMs, 100),
    allowAutoTopicCreation: false,
  });
  // Gives up when no record came for a while (a topic still growing is read up to its old end).
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const idle = setTimeout(() => stop(), IDLE_TIMEOUT_MS);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = pending.get(batch.partition);
        if (end === undefined) return;
        idle.refresh();
        for (const record of batch.messages) {
          if (Number(record.offset) < end) records.push({ partition: batch.partition, record });
        }
        if (Number(batch.lastOffset()) + 1 >= end) pending.delete(batch.partition);
        if (pending.size === 0) stop();
      },
    });
    await stopped;
  } finally {
    clearTimeout(idle);
    await consumer.disconnect().catch(() => undefined);
    void admin.deleteGroups([groupId]).catch(() => undefined);
  }
  const complete = pending.size === 0;
  // One partition (as the transport creates it) is in the order letters arrived; several (a
  // topic created otherwise) are merged by time.
  if (ends.size > 1)
    records.sort((a, b) => Number(a.record.timestamp) - Number(b.record.timestamp));
  return { records: records.slice(0, limit), ends, complete };
}
