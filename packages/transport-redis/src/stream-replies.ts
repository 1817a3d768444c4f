import type { Redis } from 'ioredis';
import { RedisReplyError } from './errors';
import type { StreamEntry } from './headers';

/** One pending entry as `XPENDING key group start end count` reports it. */
export interface PendingInfo {
  readonly entryId: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveryCount: number;
}

type RawEntry = [Buffer, Buffer[] | null];

/** Entries of an `XREADGROUP`/`XREAD` reply (buffers), in stream order; deleted ones skipped. */
export function parseReadReply(reply: unknown): StreamEntry[] {
  if (reply === null) return [];
  if (!Array.isArray(reply)) throw unexpected('XREADGROUP', reply);
  const entries: StreamEntry[] = [];
  for (const [streamKey, rawEntries] of reply as [Buffer, RawEntry[]][]) {
    pushEntries(entries, streamKey.toString(), rawEntries);
  }
  return entries;
}

/** Entries of an `XCLAIM` or `XRANGE` reply for `stream`; deleted ones skipped. */
export function parseEntries(stream: string, reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) throw unexpected('XCLAIM', reply);
  const entries: StreamEntry[] = [];
  pushEntries(entries, stream, reply as RawEntry[]);
  return entries;
}

/** The next cursor and the entries of an `XAUTOCLAIM` reply. */
export function parseAutoClaimReply(
  stream: string,
  reply: unknown,
): { cursor: string; entries: StreamEntry[] } {
  if (!Array.isArray(reply) || reply.length < 2) throw unexpected('XAUTOCLAIM', reply);
  return { cursor: String(reply[0]), entries: parseEntries(stream, reply[1]) };
}

/** The rows of an extended `XPENDING` reply. */
export function parsePending(reply: unknown): PendingInfo[] {
  if (!Array.isArray(reply)) throw unexpected('XPENDING', reply);
  return (reply as [unknown, unknown, unknown, unknown][]).map(
    ([entryId, consumer, idle, count]) => ({
      entryId: String(entryId),
      consumer: String(consumer),
      idleMs: Number(idle),
      deliveryCount: Number(count),
    }),
  );
}

function pushEntries(into: StreamEntry[], stream: string, rawEntries: RawEntry[]): void {
  for (const [entryId, fields] of rawEntries) {
    // An entry trimmed away while pending comes back without fields.
    if (fields) into.push({ stream, entryId: entryId.toString(), fields });
  }
}

function unexpected(command: string, reply: unknown): RedisReplyError {
  return new RedisReplyError(
    `Unexpected ${command} reply from Redis: ${JSON.stringify(reply)?.slice(0, 200)}; is the server Redis 7.0 or newer?`,
  );
}

type BufferCommand = (...args: (string | Buffer | number)[]) => Promise<unknown>;

/**
 * Sends a stream command whose reply must keep binary bodies as buffers, through ioredis's
 * generated `<command>Buffer` method (its generic `callBuffer` loses the command name under
 * auto-pipelining).
 */
export function sendForBuffers(
  redis: Redis,
  command: 'xreadgroup' | 'xread' | 'xclaim' | 'xautoclaim' | 'xrange',
  ...args: (string | Buffer | number)[]
): Promise<unknown> {
  const method = (redis as unknown as Record<string, BufferCommand>)[`${command}Buffer`];
  return method.apply(redis, args);
}
