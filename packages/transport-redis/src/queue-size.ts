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
 * id are counted, up to 10 000 per stream. A stream that matches a wildcard pattern but has no
 * group yet (no subscriber has discovered it) counts its entries since the pattern was bound —
 * the ones the group will deliver. `undefined` when the queue was never bound.
 */
export async function queueSize(
  redis: Redis,
  topology: RedisTopology,
  queue: string,
  streams: readonly string[] | undefined,
): Promise<number | undefined> {
  const known = streams
    ? new Map(streams.map((stream) => [stream, undefined]))
    : await boundStreams(redis, topology, queue);
  if (!known) return undefined;
  let total = 0;
  for (const [stream, boundAt] of known) total += await waiting(redis, stream, queue, boundAt);
  return total;
}

/** The queue's streams, each with when its pattern was bound (for streams without the group yet). */
async function boundStreams(
  redis: Redis,
  topology: RedisTopology,
  queue: string,
): Promise<Map<string, number | undefined> | undefined> {
  const bindings = Object.entries(await redis.hgetall(topology.bindings(queue)));
  if (bindings.length === 0) return undefined;
  const streams = new Map<string, number | undefined>([[topology.queueStream(queue), undefined]]);
  const wildcards = bindings.filter(([pattern]) => isWildcard(pattern));
  for (const [pattern, boundAt] of bindings) {
    if (!isWildcard(pattern)) streams.set(topology.streamOf(pattern), Number(boundAt));
  }
  if (wildcards.length > 0) {
    const matchers = wildcards.map(([pattern, boundAt]) => ({
      matches: compilePattern(pattern),
      boundAt: Number(boundAt),
    }));
    for (const topic of await redis.smembers(topology.topicRegistry)) {
      const matched = matchers.find((matcher) => matcher.matches(topic));
      if (matched) streams.set(topology.streamOf(topic), matched.boundAt);
    }
  }
  return streams;
}

async function waiting(
  redis: Redis,
  stream: string,
  group: string,
  boundAt: number | undefined,
): Promise<number> {
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
    return countAfter(redis, stream, String(info.get('last-delivered-id')));
  }
  // No group yet (no subscriber has discovered the stream): it will start from the binding.
  return boundAt === undefined
    ? 0
    : countAfter(redis, stream, `${boundAt - 1}-18446744073709551615`);
}

async function countAfter(redis: Redis, stream: string, afterId: string): Promise<number> {
  return (await redis.xrange(stream, `(${afterId}`, '+', 'COUNT', COUNT_CAP)).length;
}

function pairs(raw: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (!Array.isArray(raw)) return map;
  for (let i = 0; i + 1 < raw.length; i += 2) map.set(String(raw[i]), raw[i + 1]);
  return map;
}
