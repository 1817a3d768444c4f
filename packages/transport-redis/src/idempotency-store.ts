import { randomUUID } from 'node:crypto';
import type { ClaimResult, IdempotencyStore } from '@switchyard/core';
import { Redis } from 'ioredis';
import { toTransportError } from './errors';

/** Options of `RedisIdempotencyStore`. */
export interface RedisIdempotencyStoreOptions {
  /** A connection to use (not closed by `close()`). Default: one opened from `url`. */
  readonly redis?: Redis;
  /** Where to connect when no `redis` is given. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Prefix of every key. Default `swy:idem:`; the middleware adds `<queue>:<key>`. */
  readonly prefix?: string;
}

const DONE = 'done';
const IN_PROGRESS = 'in-progress';

/** Claims a key, or says who has it, in one atomic step. KEYS: key. ARGV: claim value, lease ms. */
const BEGIN = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'acquired' end
if redis.call('GET', KEYS[1]) == '${DONE}' then return 'completed' end
return 'in-progress'`;

/** Deletes a key only while it still holds this claim. KEYS: key. ARGV: claim value. */
const ABANDON = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/**
 * An `IdempotencyStore` in Redis, shared by every worker of every transport: one string key per
 * idempotency key, each with its own expiry.
 *
 * - `begin` is `SET <key> in-progress:<token> NX PX <lease>`, and when that fails, the existing
 *   value read in the same Lua script: `done` → `completed`, a claim → `in-progress`. The lease
 *   makes a crashed worker's claim expire.
 * - `complete` is `SET <key> done PX <ttl>`.
 * - `abandon` deletes the key only if it still holds this store's claim (compared in Lua), so a
 *   worker whose lease ran out cannot delete the claim another worker has taken since.
 *
 * It replaces the pattern of one Redis set `processed_messages` checked with `SISMEMBER`, filled
 * with `SADD` and given one `EXPIRE`, which fails in three ways:
 * 1. the TTL belongs to the whole set: refreshed on every add, nothing ever expires while traffic
 *    flows; left alone, every key expires at the same moment, however recently it was added;
 * 2. `SISMEMBER` then `SADD` is check-then-act: two workers can both see "absent" and both run the
 *    handler — exactly the duplicate it was meant to prevent;
 * 3. there is no in-progress state: a key is added before the handler (a crash loses the message
 *    for good) or after it (a redelivery during the handler runs it twice).
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly claims = new Map<string, string>();
  private readonly beginCall: ScriptCall;
  private readonly abandonCall: ScriptCall;

  constructor(options: RedisIdempotencyStoreOptions = {}) {
    this.owned = options.redis === undefined;
    this.redis = options.redis ?? new Redis(options.url ?? 'redis://127.0.0.1:6379');
    this.prefix = options.prefix ?? 'swy:idem:';
    this.redis.defineCommand('swyIdempotencyBegin', { numberOfKeys: 1, lua: BEGIN });
    this.redis.defineCommand('swyIdempotencyAbandon', { numberOfKeys: 1, lua: ABANDON });
    const calls = this.redis as unknown as Record<string, ScriptCall>;
    this.beginCall = calls.swyIdempotencyBegin.bind(this.redis);
    this.abandonCall = calls.swyIdempotencyAbandon.bind(this.redis);
  }

  async begin(key: string, leaseMs: number): Promise<ClaimResult> {
    const claim = `${IN_PROGRESS}:${randomUUID()}`;
    let result: ClaimResult;
    try {
      result = (await this.beginCall(this.prefix + key, claim, leaseMs)) as ClaimResult;
    } catch (error) {
      throw toTransportError(error, `claim idempotency key "${key}"`);
    }
    if (result === 'acquired') this.claims.set(key, claim);
    return result;
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(this.prefix + key, DONE, 'PX', ttlMs);
    } catch (error) {
      throw toTransportError(error, `complete idempotency key "${key}"`);
    }
    this.claims.delete(key);
  }

  async abandon(key: string): Promise<void> {
    const claim = this.claims.get(key);
    this.claims.delete(key);
    if (claim === undefined) return;
    try {
      await this.abandonCall(this.prefix + key, claim);
    } catch (error) {
      throw toTransportError(error, `abandon idempotency key "${key}"`);
    }
  }

  /** Closes the connection if the store opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
