import 'reflect-metadata';
import type { IdempotencyStore } from '../idempotency/idempotency-store';
import type { MessageContext } from '../message-context';

/** A class that can be constructed (by the container or by class-transformer). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructor parameters are the container's business
export type Type<T = unknown> = new (...args: any[]) => T;

/** When a handler's message is acknowledged. */
export type DeliveryGuarantee = 'at-least-once' | 'at-most-once' | 'exactly-once';

/** Exponential backoff between attempts: `initialMs * factor^(attempt-1)`, capped at `maxMs`. */
export interface BackoffOptions {
  /** Delay before the second attempt. Default 200. */
  readonly initialMs: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /** Upper bound of one delay. Default 30 000. */
  readonly maxMs?: number;
  /** Spread each delay randomly by up to this fraction (0–1), so retries do not stampede. Default 0.1. */
  readonly jitter?: number;
}

/** How often and how patiently a failing handler is retried before its message is dead-lettered. */
export interface RetryOptions {
  /** Total deliveries, the first included: `1` means never retry. */
  readonly attempts: number;
  readonly backoff?: BackoffOptions;
}

/**
 * Derives the idempotency key of a message, e.g. `(m) => m.payload.orderId`. Runs after
 * validation, so `payload` is the schema instance. A key that is `undefined`, `null` or empty
 * dead-letters the message (`SWY_IDEMPOTENCY_KEY_MISSING`): it could not be deduplicated.
 */
export type IdempotencyKeyFn<T = Record<string, unknown>> = (ctx: MessageContext<T>) => unknown;

/** Options of `@Consumer`. */
export interface ConsumerOptions {
  /** The consumer group; defaults to the class name. Queues are named `<group>.<method>`. */
  readonly group?: string;
  /** Messages handled at once per handler and instance. Default 1. */
  readonly concurrency?: number;
  /** Messages fetched ahead per handler. Default `max(concurrency * 2, 10)`. */
  readonly prefetch?: number;
  /** Handle messages that share a key one at a time, in order. Default false. */
  readonly ordered?: boolean;
  /** Declare priority queues with this many levels (0 = none). Default 0. */
  readonly maxPriority?: number;
  /** Passed to the transport untouched (e.g. `{ queueType: 'quorum' }` for RabbitMQ). */
  readonly transportOptions?: Readonly<Record<string, unknown>>;
}

/** Options of `@Subscribe` and `@RpcHandler`. */
export interface HandlerOptions {
  /** class-validator class the payload is turned into and validated against. */
  readonly schema?: Type;
  /** Default `at-least-once`. */
  readonly guarantee?: DeliveryGuarantee;
  /** Queue name; default `<group>.<method>`. */
  readonly queue?: string;
  /** Longest a handler may run before it counts as failed. Default from the app (30 s). */
  readonly timeoutMs?: number;
  /** Overrides the consumer's concurrency for this handler. */
  readonly concurrency?: number;
}

/** What decorators record about one method. */
export interface MethodMetadata {
  readonly method: string;
  /** Every handler decorator on the method, to report misuse by name. */
  readonly kinds: string[];
  patterns?: readonly string[];
  rpcTopic?: string;
  options?: HandlerOptions;
  retry?: RetryOptions;
  idempotent?: IdempotentOptions<unknown>;
}

/** Options of `@Idempotent`. */
export interface IdempotentOptions<T = Record<string, unknown>> {
  /** The key; messages with a key already handled within `ttlMs` are acknowledged unhandled. */
  readonly key: IdempotencyKeyFn<T>;
  /** How long a handled key is remembered. */
  readonly ttlMs: number;
  /**
   * How long one delivery may hold the key while its handler runs; a crashed worker's claim
   * expires after it. Default: the handler timeout plus 5 s.
   */
  readonly leaseMs?: number;
  /** Store for this handler; default the app's `idempotencyStore`. */
  readonly store?: IdempotencyStore;
}

const CONSUMER = Symbol('switchyard:consumer');
const METHODS = Symbol('switchyard:methods');
const CLASS_RETRY = Symbol('switchyard:retry');

/** Whether a class carries `@Consumer`. */
export function isConsumerClass(target: unknown): target is Type {
  return typeof target === 'function' && getConsumerOptions(target as Type) !== undefined;
}

/** Records `@Consumer` options on a class. */
export function setConsumerOptions(target: Type, options: ConsumerOptions): void {
  Reflect.defineMetadata(CONSUMER, options, target);
}

/** The `@Consumer` options of a class, or `undefined` when it is not a consumer. */
export function getConsumerOptions(target: Type): ConsumerOptions | undefined {
  return Reflect.getOwnMetadata(CONSUMER, target) as ConsumerOptions | undefined;
}

/** Finds or creates the metadata record of one method. */
export function methodMetadata(prototype: object, method: string | symbol): MethodMetadata {
  const ctor = prototype.constructor;
  let methods = Reflect.getOwnMetadata(METHODS, ctor) as Map<string, MethodMetadata> | undefined;
  if (!methods) {
    methods = new Map();
    Reflect.defineMetadata(METHODS, methods, ctor);
  }
  const name = String(method);
  let record = methods.get(name);
  if (!record) {
    record = { method: name, kinds: [] };
    methods.set(name, record);
  }
  return record;
}

/** Every decorated method of a class. */
export function getMethodMetadata(target: Type): MethodMetadata[] {
  const methods = Reflect.getOwnMetadata(METHODS, target) as
    Map<string, MethodMetadata> | undefined;
  return methods ? [...methods.values()] : [];
}

/** Records a class-wide `@Retry`. */
export function setClassRetry(target: Type, options: RetryOptions): void {
  Reflect.defineMetadata(CLASS_RETRY, options, target);
}

/** The class-wide `@Retry`, if any. */
export function getClassRetry(target: Type): RetryOptions | undefined {
  return Reflect.getOwnMetadata(CLASS_RETRY, target) as RetryOptions | undefined;
}
