import {
  type ConsumerOptions,
  type DeliveryGuarantee,
  type HandlerOptions,
  type IdempotentOptions,
  type MethodMetadata,
  type RetryOptions,
  type Type,
  getClassRetry,
  getConsumerOptions,
  getMethodMetadata,
} from './decorators/metadata';
import { ConfigurationError } from './errors';
import type { IdempotencyStore } from './idempotency/idempotency-store';
import type { IdempotencySettings } from './middlewares/idempotency.middleware';
import { DEFAULT_RETRY } from './failure-policy';
import { assertValidPattern, assertValidTopic } from './topic-matcher';
import { SwitchyardError } from './errors';

/** Everything known about one handler once its decorators are resolved. */
export interface HandlerRoute {
  readonly consumer: Type;
  readonly method: string;
  /** `Class.method`. */
  readonly name: string;
  readonly group: string;
  readonly queue: string;
  readonly kind: 'event' | 'rpc';
  readonly patterns: readonly string[];
  readonly schema: Type | undefined;
  readonly guarantee: DeliveryGuarantee;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly prefetch: number;
  readonly ordered: boolean;
  readonly maxPriority: number;
  readonly retry: RetryOptions;
  readonly idempotency: IdempotencySettings | undefined;
  readonly transportOptions: Readonly<Record<string, unknown>>;
}

/** App-wide defaults a route falls back to. */
export interface RouteDefaults {
  readonly timeoutMs: number;
  readonly retry: RetryOptions;
  readonly idempotencyStore: IdempotencyStore | undefined;
  /** Prefix of every pattern and queue (see `SwitchyardOptions.namespace`). */
  readonly namespace?: string;
  /** Replaces every handler's declared concurrency when set. */
  readonly concurrency?: number;
}

/**
 * Resolves the decorators of every consumer class into routes, failing with a
 * `ConfigurationError` that names class and method for anything that cannot work.
 */
export function resolveRoutes(consumers: readonly Type[], defaults: RouteDefaults): HandlerRoute[] {
  const routes: HandlerRoute[] = [];
  const queues = new Map<string, string>();
  for (const consumer of consumers) {
    const options = getConsumerOptions(consumer);
    if (!options) {
      throw new ConfigurationError(
        `${consumer.name} is listed as a consumer but has no @Consumer()`,
      );
    }
    const handlers = getMethodMetadata(consumer);
    if (handlers.length === 0) {
      throw new ConfigurationError(
        `@Consumer ${consumer.name} has no @Subscribe or @RpcHandler method`,
      );
    }
    for (const metadata of handlers) {
      const route = resolveRoute(consumer, options, metadata, defaults);
      const owner = queues.get(route.queue);
      if (owner) {
        throw new ConfigurationError(
          `${route.name} and ${owner} both consume queue "${route.queue}"; give one of them another queue or group`,
        );
      }
      queues.set(route.queue, route.name);
      routes.push(route);
    }
  }
  return routes;
}

function resolveRoute(
  consumer: Type,
  options: ConsumerOptions,
  metadata: MethodMetadata,
  defaults: RouteDefaults,
): HandlerRoute {
  const name = `${consumer.name}.${metadata.method}`;
  const fail = (problem: string): never => {
    throw new ConfigurationError(`${name}: ${problem}`);
  };
  if (metadata.kinds.length === 0)
    fail('@Retry or @Idempotent needs @Subscribe or @RpcHandler on the same method');
  if (metadata.kinds.length > 1) {
    fail(
      `a method takes one handler decorator, found ${metadata.kinds.join(' and ')}; split it into two methods`,
    );
  }
  if (typeof (consumer.prototype as Record<string, unknown>)[metadata.method] !== 'function') {
    fail('handler decorators go on methods');
  }
  const handlerOptions: HandlerOptions = metadata.options ?? {};
  const kind = metadata.rpcTopic === undefined ? 'event' : 'rpc';
  const patterns =
    metadata.rpcTopic === undefined ? (metadata.patterns ?? []) : [metadata.rpcTopic];
  if (patterns.length === 0) fail('@Subscribe needs at least one pattern');
  try {
    if (kind === 'rpc') assertValidTopic(patterns[0]);
    else patterns.forEach(assertValidPattern);
  } catch (error) {
    fail((error as SwitchyardError).message);
  }
  const group = options.group ?? consumer.name;
  const concurrency =
    defaults.concurrency ?? handlerOptions.concurrency ?? options.concurrency ?? 1;
  const prefetch = options.prefetch ?? Math.max(concurrency * 2, 10);
  assertPositiveInteger(concurrency, 'concurrency', fail);
  assertPositiveInteger(prefetch, 'prefetch', fail);
  if (prefetch < concurrency)
    fail(`prefetch (${prefetch}) must be at least concurrency (${concurrency})`);
  const guarantee = handlerOptions.guarantee ?? 'at-least-once';
  // A caller waits on an RPC, so its handler is not retried unless it asks to be.
  const fallbackRetry = kind === 'rpc' ? { attempts: 1 } : (defaults.retry ?? DEFAULT_RETRY);
  const retry = metadata.retry ?? getClassRetry(consumer) ?? fallbackRetry;
  assertPositiveInteger(retry.attempts, '@Retry attempts', fail);
  const timeoutMs = handlerOptions.timeoutMs ?? defaults.timeoutMs;
  return {
    consumer,
    method: metadata.method,
    name,
    group,
    queue: namespaced(defaults.namespace, handlerOptions.queue ?? `${group}.${metadata.method}`),
    kind,
    patterns: patterns.map((pattern) => namespaced(defaults.namespace, pattern)),
    schema: handlerOptions.schema,
    guarantee,
    timeoutMs,
    concurrency,
    prefetch,
    ordered: options.ordered ?? false,
    maxPriority: options.maxPriority ?? 0,
    // At-most-once acknowledges before the handler runs, so there is nothing left to retry.
    retry: guarantee === 'at-most-once' ? { attempts: 1 } : retry,
    idempotency:
      metadata.idempotent && resolveIdempotency(metadata.idempotent, defaults, timeoutMs, fail),
    transportOptions: options.transportOptions ?? {},
  };
}

function resolveIdempotency(
  options: IdempotentOptions<unknown>,
  defaults: RouteDefaults,
  timeoutMs: number,
  fail: (problem: string) => never,
): IdempotencySettings {
  const store = options.store ?? defaults.idempotencyStore;
  if (!store) {
    return fail(
      '@Idempotent needs a store: pass { store } to the decorator or idempotencyStore to Switchyard.create()',
    );
  }
  if (typeof options.key !== 'function') fail('@Idempotent key must be a function of the message');
  assertPositiveInteger(options.ttlMs, '@Idempotent ttlMs', fail);
  return {
    store,
    key: options.key,
    ttlMs: options.ttlMs,
    leaseMs: options.leaseMs ?? timeoutMs + 5_000,
  };
}

/** `name` under `namespace`, or `name` itself without one. */
export function namespaced(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}.${name}`;
}

function assertPositiveInteger(
  value: number,
  what: string,
  fail: (problem: string) => never,
): void {
  if (!Number.isInteger(value) || value < 1)
    fail(`${what} must be a positive integer, got ${value}`);
}
