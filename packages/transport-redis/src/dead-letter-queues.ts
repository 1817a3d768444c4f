import type { Redis } from 'ioredis';
import { toTransportError } from './errors';
import type { RedisTopology } from './topology';

/** Keys asked of each `SCAN` step; a hint to Redis, not a limit. */
const SCAN_COUNT = 1_000;

/**
 * Every queue with a dead-letter destination, sorted: every queue ever subscribed (its
 * `<namespace>bindings:<queue>` hash; its dead-letter stream appears with its first dead letter)
 * and every queue that has dead letters (`<namespace>dlq:<queue>`, which outlives a forgotten
 * queue). Two `SCAN … MATCH` passes over the keyspace: O(keys in Redis), incremental, never
 * blocking Redis like `KEYS`.
 */
export async function listDeadLetterQueues(
  redis: Redis,
  topology: RedisTopology,
): Promise<string[]> {
  try {
    const keys = await Promise.all([
      scanKeys(redis, topology.bindingsScanPattern, 'hash'),
      scanKeys(redis, topology.deadLetterScanPattern, 'stream'),
    ]);
    const queues = new Set<string>();
    for (const key of keys.flat()) {
      const queue = topology.queueOf(key);
      if (queue !== undefined) queues.add(queue);
    }
    return [...queues].sort();
  } catch (error) {
    throw toTransportError(error, 'list the queues with dead letters');
  }
}

async function scanKeys(redis: Redis, pattern: string, type: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(
      cursor,
      'MATCH',
      pattern,
      'COUNT',
      SCAN_COUNT,
      'TYPE',
      type,
    );
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}
