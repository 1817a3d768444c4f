import type { DeadLetter } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { decodeEntry } from './headers';
import { parseEntries, sendForBuffers } from './stream-replies';
import type { RedisTopology } from './topology';

/**
 * Up to `limit` dead letters of `queue`, oldest first, read with `XRANGE` from its dead-letter
 * stream (`<namespace>dlq:<queue>`) without removing them.
 */
export async function peekDeadLetters(
  redis: Redis,
  topology: RedisTopology,
  queue: string,
  limit: number,
): Promise<DeadLetter[]> {
  const stream = topology.deadLetterStream(queue);
  const reply = await sendForBuffers(redis, 'xrange', stream, '-', '+', 'COUNT', limit);
  return parseEntries(stream, reply).map((entry) => {
    const message = decodeEntry(entry, { topic: undefined, fallbackTopic: '' }, queue, 1);
    return {
      id: message.id,
      topic: message.topic,
      key: message.key,
      headers: message.headers,
      body: message.body,
    };
  });
}
