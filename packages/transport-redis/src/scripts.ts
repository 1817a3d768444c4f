import type { Redis } from 'ioredis';

/** Milliseconds on the Redis clock, so every worker measures due times against one clock. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Records when a pattern was first bound to a queue (HSETNX, Redis clock) and creates the queue's
 * group on a stream so that it delivers every entry added from that millisecond on: a stream
 * discovered late still yields every message published since the binding. `ARGV[3]`, when set,
 * overrides the start id. KEYS: bindings hash, stream. ARGV: pattern, group, start override.
 */
const DECLARE_BINDING = `${NOW}
redis.call('HSETNX', KEYS[1], ARGV[1], now)
local start = ARGV[3]
if start == '' then
  local boundAt = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
  start = string.format('%.0f', boundAt - 1) .. '-18446744073709551615'
end
local reply = redis.pcall('XGROUP', 'CREATE', KEYS[2], ARGV[2], start, 'MKSTREAM')
if type(reply) == 'table' and reply.err and not string.find(reply.err, 'BUSYGROUP') then
  return reply
end
return start`;

/** Records when a pattern was first bound to a queue. KEYS: bindings hash. ARGV: pattern. */
const RECORD_BINDING = `${NOW}
return redis.call('HSETNX', KEYS[1], ARGV[1], now)`;

/**
 * Stores a message to be added to `target` after `delayMs` (Redis clock) and, for a retry,
 * acknowledges the delivery it replaces in the same step, so the copy is safe before the ack.
 * KEYS: delayed set, entry hash, source stream. ARGV: member, delayMs, target, group ('' = no
 * ack), entry id, fields….
 */
const SCHEDULE = `${NOW}
redis.call('HSET', KEYS[2], '__target', ARGV[3], unpack(ARGV, 6))
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if ARGV[4] ~= '' then redis.call('XACK', KEYS[3], ARGV[4], ARGV[5]) end
return 1`;

/**
 * Moves due delayed messages to their streams. Each is removed from the set with ZREM before it
 * is added, inside one script, so several workers sweeping at once move each exactly once.
 * Returns { moved, ms until the next due one or -1 }.
 * KEYS: delayed set. ARGV: entry hash prefix, limit, MAXLEN (0 = none).
 */
const MOVE_DUE = `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for _, member in ipairs(due) do
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local key = ARGV[1] .. member
    local flat = redis.call('HGETALL', key)
    local target
    local fields = {}
    for i = 1, #flat, 2 do
      if flat[i] == '__target' then target = flat[i + 1]
      else fields[#fields + 1] = flat[i]; fields[#fields + 1] = flat[i + 1] end
    end
    if target and #fields > 0 then
      if tonumber(ARGV[3]) > 0 then
        redis.call('XADD', target, 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
      else
        redis.call('XADD', target, '*', unpack(fields))
      end
      moved = moved + 1
    end
    redis.call('DEL', key)
  end
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = -1
if head[2] then wait = math.max(0, tonumber(head[2]) - now) end
return { moved, wait }`;

/**
 * Adds a dead letter and acknowledges the original in one step.
 * KEYS: dead-letter stream, source stream. ARGV: group ('' = no ack), entry id, MAXLEN, fields….
 */
const DEAD_LETTER = `if tonumber(ARGV[3]) > 0 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
else
  redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
end
if ARGV[1] ~= '' then redis.call('XACK', KEYS[2], ARGV[1], ARGV[2]) end
return 1`;

/**
 * Resets the idle time of entries this consumer still owns (a heartbeat for slow handlers), and
 * leaves alone any that another consumer has meanwhile claimed.
 * KEYS: stream. ARGV: group, consumer, ids….
 */
const REFRESH = `local refreshed = 0
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    refreshed = refreshed + 1
  end
end
return refreshed`;

/**
 * Deletes a consumer from its group on each stream where it holds no pending entry; checking and
 * deleting in one script, so no entry is dropped with it.
 * KEYS: streams. ARGV: group, consumer.
 */
const DROP_CONSUMER = `local dropped = 0
for i = 1, #KEYS do
  local pending = redis.pcall('XPENDING', KEYS[i], ARGV[1], '-', '+', 1, ARGV[2])
  if type(pending) == 'table' and not pending.err and #pending == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[i], ARGV[1], ARGV[2])
    dropped = dropped + 1
  end
end
return dropped`;

/** An argument of a script call. */
export type Argument = string | Buffer | number;
/** A defined script, called with its keys then its arguments. */
export type ScriptCall = (...args: Argument[]) => Promise<unknown>;

/**
 * The transport's Lua scripts, loaded on one connection (ioredis sends `EVALSHA` and falls back to
 * `EVAL` after a restart flushed the script cache). Scripts keep each multi-key step atomic; they
 * touch keys they compute, so this transport needs a single Redis, not Redis Cluster.
 */
export class RedisScripts {
  private readonly declareBindingCall: ScriptCall;
  private readonly recordBindingCall: ScriptCall;
  private readonly scheduleCall: ScriptCall;
  private readonly moveDueCall: ScriptCall;
  private readonly deadLetterCall: ScriptCall;
  private readonly refreshCall: ScriptCall;
  private readonly dropConsumerCall: ScriptCall;

  constructor(redis: Redis) {
    this.declareBindingCall = define(redis, 'swyDeclareBinding', 2, DECLARE_BINDING);
    this.recordBindingCall = define(redis, 'swyRecordBinding', 1, RECORD_BINDING);
    this.scheduleCall = define(redis, 'swySchedule', 3, SCHEDULE);
    this.moveDueCall = define(redis, 'swyMoveDue', 1, MOVE_DUE);
    this.deadLetterCall = define(redis, 'swyDeadLetter', 2, DEAD_LETTER);
    this.refreshCall = define(redis, 'swyRefresh', 1, REFRESH);
    this.dropConsumerCall = define(redis, 'swyDropConsumer', undefined, DROP_CONSUMER);
  }

  /** Creates `group` on `stream` (see `DECLARE_BINDING`); resolves to the start id used. */
  async declareBinding(
    bindings: string,
    stream: string,
    pattern: string,
    group: string,
    startOverride = '',
  ): Promise<string> {
    return String(await this.declareBindingCall(bindings, stream, pattern, group, startOverride));
  }

  /** Records the first binding of a (wildcard) pattern before any stream matches it. */
  async recordBinding(bindings: string, pattern: string): Promise<void> {
    await this.recordBindingCall(bindings, pattern);
  }

  /** Stores a delayed message; acknowledges `ack` in the same step when given. */
  async schedule(
    delayed: { set: string; entry: string; member: string },
    delayMs: number,
    target: string,
    fields: readonly Argument[],
    ack?: { stream: string; group: string; entryId: string },
  ): Promise<void> {
    await this.scheduleCall(
      delayed.set,
      delayed.entry,
      ack?.stream ?? target,
      delayed.member,
      delayMs,
      target,
      ack?.group ?? '',
      ack?.entryId ?? '',
      ...fields,
    );
  }

  /** Moves up to `limit` due messages; resolves to how many and the wait until the next one. */
  async moveDue(
    set: string,
    entryPrefix: string,
    limit: number,
    maxLen: number,
  ): Promise<{ moved: number; nextInMs: number | undefined }> {
    const [moved, wait] = (await this.moveDueCall(set, entryPrefix, limit, maxLen)) as [
      number,
      number,
    ];
    return { moved, nextInMs: wait < 0 ? undefined : wait };
  }

  /** Adds a dead letter to `deadLetters`, acknowledging `ack` in the same step when given. */
  async deadLetter(
    deadLetters: string,
    maxLen: number,
    fields: readonly Argument[],
    ack?: { stream: string; group: string; entryId: string },
  ): Promise<void> {
    await this.deadLetterCall(
      deadLetters,
      ack?.stream ?? deadLetters,
      ack?.group ?? '',
      ack?.entryId ?? '',
      maxLen,
      ...fields,
    );
  }

  /** Resets the idle time of the entries `consumer` still owns. */
  async refresh(stream: string, group: string, consumer: string, ids: readonly string[]) {
    await this.refreshCall(stream, group, consumer, ...ids);
  }

  /** Deletes `consumer` from `group` on every stream where nothing is pending for it. */
  async dropConsumer(streams: readonly string[], group: string, consumer: string) {
    await this.dropConsumerCall(streams.length, ...streams, group, consumer);
  }
}

/**
 * Defines a Lua script as a command of `redis` (`EVALSHA`, with `EVAL` as fallback); without
 * `numberOfKeys`, the call's first argument is the number of keys.
 */
export function define(
  redis: Redis,
  name: string,
  numberOfKeys: number | undefined,
  lua: string,
): ScriptCall {
  redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  const call = (redis as unknown as Record<string, ScriptCall>)[name];
  return call.bind(redis);
}
