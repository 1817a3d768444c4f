import { randomUUID } from 'node:crypto';
import { type DeadLetter, DeadLetterHeaders } from '@switchyard/core';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { readHeaders } from './headers';
import type { KafkaOptions } from './options';

const READ_TIMEOUT_MS = 10_000;

/**
 * Reads up to `limit` records of a dead-letter topic from its beginning, oldest first, without
 * consuming them for anyone: a throwaway consumer group reads up to the high watermarks taken
 * before it started, then leaves and is deleted. An empty or missing topic costs one request.
 */
export async function readDeadLetters(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  limit: number,
  options: KafkaOptions,
): Promise<DeadLetter[]> {
  // Nothing was ever dead-lettered to a topic that does not exist. Asked first, because kafkajs
  // retries offsets of an unknown topic for seconds before it gives up.
  if (limit <= 0 || !(await admin.listTopics()).includes(topic)) return [];
  const ends = new Map<number, number>();
  for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
    const end = Math.min(Number(high), Number(low) + limit);
    if (end > Number(low)) ends.set(partition, end);
  }
  if (ends.size === 0) return [];
  const partitions = ends.size;
  const letters: { letter: DeadLetter; at: number }[] = [];
  const groupId = `${topic}.peek.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    maxWaitTimeInMs: Math.min(options.maxWaitTimeMs, 100),
    allowAutoTopicCreation: false,
  });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition);
        if (end === undefined) return;
        for (const record of batch.messages) {
          if (Number(record.offset) < end) letters.push(toLetter(record));
        }
        if (Number(batch.lastOffset()) + 1 >= end) ends.delete(batch.partition);
        if (ends.size === 0) finish();
      },
    });
    await Promise.race([
      done,
      new Promise((resolve) => setTimeout(resolve, READ_TIMEOUT_MS).unref()),
    ]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    void admin.deleteGroups([groupId]).catch(() => undefined);
  }
  // One partition (as the transport creates it) is in the order letters arrived; several (a
  // topic created otherwise) are merged by time.
  if (partitions > 1) letters.sort((a, b) => a.at - b.at);
  return letters.slice(0, limit).map(({ letter }) => letter);
}

function toLetter(record: KafkaMessage): { letter: DeadLetter; at: number } {
  const { headers, messageId } = readHeaders(record.headers);
  return {
    at: Number(record.timestamp),
    letter: {
      id: messageId ?? '',
      topic: headers[DeadLetterHeaders.originalTopic] ?? '',
      key: record.key === null ? undefined : record.key.toString('utf8'),
      headers,
      body: record.value ?? Buffer.alloc(0),
    },
  };
}
