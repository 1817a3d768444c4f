import { compilePattern, isWildcard } from '@switchyard/core';
import type { Redis } from 'ioredis';
import type { RedisTopology } from './topology';

/** Most entries counted one by one when Redis cannot say a group's lag. */
const COUNT_CAP = 10_000;

/**
 * Messages waiting in a queue: the sum, over its streams (bound topic streams and its retry
 * stream), of the group's `lag` from `XINFO GROUPS` — entries not yet delivered to any consumer
 * of the group. Delivered but unacknowledged entries (the PEL, `XPENDING`) are not counted, as a
 * broker's "ready" count leaves out unacknowledged ones; `XLEN` is not used, as it counts entries
 * every group has long read. Where Redis cannot tell the lag (a group created at an arbitrary id,
 * or entries deleted from the middle of the stream) the entries after the group's last-delivered
 * id are counted, up to 10 000 per stream. `undefined` when the queue was never bound.
 */
export async function queueSize(
  redis: Redis,
  topology: RedisTopology,
  queue: string,
  streams: readonly string[] | undefined,
): Promise<number | undefined> {
  const known = streams ?? (await boundStreams(redis, topology, queue));
  if (!known) return undefined;
  let total = 0;
  for (const stream of known) total += await waiting(redis, stream, queue);
  return total;
}

async function boundStreams(
  redis: Redis,
  topology: RedisTopology,
  queue: string,
): Promise<string[] | undefined> {
  const patterns = Object.keys(await redis.hgetall(topology.bindings(queue)));
  if (patterns.length === 0) return undefined;
  const streams = new Set([topology.queueStream(queue)]);
  const matchers = patterns.filter(isWildcard).map(compilePattern);
  for (const pattern of patterns) if (!isWildcard(pattern)) streams.add(topology.streamOf(pattern));
  if (matchers.length > 0) {
    for (const topic of await redis.smembers(topology.topicRegistry)) {
      if (matchers.some((matches) => matches(topic))) streams.add(topology.streamOf(topic));
    }
  }
  return [...streams];
}

async function waiting(redis: Redis, stream: string, group: string): Promise<number> {
  let groups: unknown[];
  try {
    groups = (await redis.xinfo('GROUPS', stream)) as unknown[];
  } catch {
    return 0; // the stream does not exist (yet)
  }
  for (const raw of groups) {
    const info = pairs(raw);
    if (info.get('name') !== group) continue;
    const lag = info.get('lag');
    if (info.get('entries-read') !== null && typeof lag === 'number') return lag;
    const after = await redis.xrange(
      stream,
      `(${String(info.get('last-delivered-id'))}`,
      '+',
      'COUNT',
      COUNT_CAP,
    );
    return after.length;
  }
  return 0;
}

function pairs(raw: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (!Array.isArray(raw)) return map;
  for (let i = 0; i + 1 < raw.length; i += 2) map.set(String(raw[i]), raw[i + 1]);
  return map;
}
