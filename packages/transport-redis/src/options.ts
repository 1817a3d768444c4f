import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigurationError, type Logger, TransportLogger } from '@switchyard/core';
import type { RedisOptions } from 'ioredis';

/**
 * Options of the Redis Streams transport. Every default is stated here, once; each numeric and
 * string option can also be given as a query parameter of the `redis://` URL
 * (`redis://host:6379/0?maxLen=50000&streamPrefix=app:`).
 */
export interface RedisTransportOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` for TLS. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Extra ioredis options (TLS certificates, sentinels…), merged over what the URL says. */
  readonly redis?: RedisOptions;
  /**
   * Prepended to a topic to name its stream. Default `''`: the stream of `orders.created` is the
   * key `orders.created`, so `redis-cli XADD orders.created * body '{…}'` reaches subscribers.
   */
  readonly streamPrefix?: string;
  /**
   * Prefix of every key and channel Switchyard keeps for itself (retry and dead-letter streams,
   * delayed messages, bindings, reply inboxes). Default `swy:`. Topics whose stream key would start
   * with it are refused.
   */
  readonly namespace?: string;
  /**
   * Topic streams are trimmed to about this many entries (`XADD … MAXLEN ~ n`); 0 disables
   * trimming. Trimming drops the oldest entries even when a slow group has not read them yet, so
   * size it above the largest backlog you expect. Default 100 000.
   */
  readonly maxLen?: number;
  /** Trim of each dead-letter stream (`MAXLEN ~`); 0 keeps every dead letter. Default 0. */
  readonly deadLetterMaxLen?: number;
  /**
   * An entry pending (delivered, unacknowledged) this long in another consumer is considered
   * abandoned by a dead process and claimed with `XAUTOCLAIM`. Live consumers refresh the entries
   * they hold every third of this, so a slow handler is not robbed. Default 30 000.
   */
  readonly claimIdleMs?: number;
  /** How often each subscription looks for abandoned entries. Default 5 000. */
  readonly claimIntervalMs?: number;
  /** `BLOCK` of `XREADGROUP`; closing and new streams interrupt it at once. Default 5 000. */
  readonly blockMs?: number;
  /**
   * How often wildcard subscriptions rescan for new matching streams (the topic registry, and
   * `SCAN … TYPE stream` unless `discoverByScan` is false). New topics published through
   * Switchyard are announced at once on a channel; the rescan catches the rest. Default 5 000.
   */
  readonly discoveryIntervalMs?: number;
  /** Whether the rescan includes `SCAN TYPE stream` to find streams created by other producers. Default true. */
  readonly discoverByScan?: boolean;
  /** How often due delayed messages and retries are moved by a sweep (besides exact timers). Default 1 000. */
  readonly schedulerIntervalMs?: number;
  /** A reply stream expires this long after its last reply if its owner vanished. Default 60 000. */
  readonly replyTtlMs?: number;
  /** This instance's consumer name in every group. Default `<hostname>:<pid>:<random>`, unique per instance. */
  readonly consumerName?: string;
  /** `CLIENT SETNAME` of this transport's connections, suffixed with their role. Default `switchyard`. */
  readonly connectionName?: string;
  /** Where connection trouble and failed settlements are reported. Default a `ConsoleLogger`. */
  readonly logger?: Logger;
}

/** Options with every default applied. */
export type ResolvedRedisOptions = Required<Omit<RedisTransportOptions, 'redis' | 'logger'>> & {
  readonly redis: RedisOptions;
  /** The options' logger, or the app's once the app hands it over, or a `ConsoleLogger`. */
  readonly logger: TransportLogger;
};

const NUMERIC = [
  'maxLen',
  'deadLetterMaxLen',
  'claimIdleMs',
  'claimIntervalMs',
  'blockMs',
  'discoveryIntervalMs',
  'schedulerIntervalMs',
  'replyTtlMs',
] as const;
const TEXT = ['streamPrefix', 'namespace', 'consumerName', 'connectionName'] as const;
const BOOLEAN = ['discoverByScan'] as const;

/** Applies the defaults, after reading options from the URL's query parameters. */
export function resolveOptions(options: RedisTransportOptions = {}): ResolvedRedisOptions {
  const fromUrl = options.url ? optionsFromUrl(options.url) : {};
  const merged = { ...fromUrl, ...withoutUndefined(options) };
  const resolved: ResolvedRedisOptions = {
    url: stripOwnParameters(merged.url ?? 'redis://127.0.0.1:6379'),
    redis: merged.redis ?? {},
    streamPrefix: merged.streamPrefix ?? '',
    namespace: merged.namespace ?? 'swy:',
    maxLen: merged.maxLen ?? 100_000,
    deadLetterMaxLen: merged.deadLetterMaxLen ?? 0,
    claimIdleMs: merged.claimIdleMs ?? 30_000,
    claimIntervalMs: merged.claimIntervalMs ?? 5_000,
    blockMs: merged.blockMs ?? 5_000,
    discoveryIntervalMs: merged.discoveryIntervalMs ?? 5_000,
    discoverByScan: merged.discoverByScan ?? true,
    schedulerIntervalMs: merged.schedulerIntervalMs ?? 1_000,
    replyTtlMs: merged.replyTtlMs ?? 60_000,
    consumerName:
      merged.consumerName ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    connectionName: merged.connectionName ?? 'switchyard',
    logger: new TransportLogger(merged.logger),
  };
  assertValid(resolved);
  return resolved;
}

/** Reads Switchyard's own options from a `redis://` URL's query parameters. */
export function optionsFromUrl(url: string | URL): RedisTransportOptions {
  const parsed = typeof url === 'string' ? parseUrl(url) : url;
  const options: Record<string, unknown> = { url: parsed.toString() };
  for (const [name, value] of parsed.searchParams) {
    if ((NUMERIC as readonly string[]).includes(name)) options[name] = toNumber(name, value);
    else if ((TEXT as readonly string[]).includes(name)) options[name] = value;
    else if ((BOOLEAN as readonly string[]).includes(name)) options[name] = toBoolean(name, value);
    else if (!IOREDIS_PARAMETERS.has(name)) {
      throw new ConfigurationError(
        `Unknown option "${name}" in the Redis URL; known: ${[...NUMERIC, ...TEXT, ...BOOLEAN].join(', ')}`,
      );
    }
  }
  return options as RedisTransportOptions;
}

/** Query parameters ioredis itself understands and may keep in the URL. */
const IOREDIS_PARAMETERS = new Set(['family', 'db', 'password', 'username']);

function stripOwnParameters(url: string): string {
  const parsed = parseUrl(url);
  for (const name of [...NUMERIC, ...TEXT, ...BOOLEAN]) parsed.searchParams.delete(name);
  return parsed.toString();
}

function parseUrl(url: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error('scheme');
    return parsed;
  } catch {
    throw new ConfigurationError(
      `"${url}" is not a Redis URL; expected redis://host:6379 or rediss://host:6380`,
    );
  }
}

function toNumber(name: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) {
    throw new ConfigurationError(`Redis URL option "${name}" must be a number, got "${value}"`);
  }
  return number;
}

function toBoolean(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigurationError(`Redis URL option "${name}" must be true or false, got "${value}"`);
}

function assertValid(options: ResolvedRedisOptions): void {
  for (const name of NUMERIC) {
    const value = options[name];
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigurationError(`Redis option "${name}" must be a non-negative integer`);
    }
  }
  for (const name of [
    'claimIdleMs',
    'claimIntervalMs',
    'blockMs',
    'schedulerIntervalMs',
  ] as const) {
    if (options[name] === 0)
      throw new ConfigurationError(`Redis option "${name}" must be positive`);
  }
  if (options.namespace === '') {
    throw new ConfigurationError('Redis option "namespace" must not be empty');
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
