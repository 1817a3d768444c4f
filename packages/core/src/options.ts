import type { DependencyContainer } from 'tsyringe';
import type { Codec } from './codec';
import type { RetryOptions, Type } from './decorators/metadata';
import type { IdempotencyStore } from './idempotency/idempotency-store';
import type { Logger } from './logger';
import type { SwitchyardMetrics } from './metrics';
import type { Middleware } from './pipeline/middleware';
import type { Transport } from './transport';

/** Options of `Switchyard.create`. Every default is stated here and nowhere else. */
export interface SwitchyardOptions {
  /** A transport URL (`memory://`, `amqp://…`, `kafka://…`, `redis://…`, `sqs://…`) or instance. */
  readonly transport: string | Transport;
  /** `@Consumer` classes to run. Default none (a publish-only app). */
  readonly consumers?: readonly Type[];
  /** Container to resolve consumers from; a child is made so the app's registrations stay its own. Default tsyringe's root. */
  readonly container?: DependencyContainer;
  /** Store for `@Idempotent` handlers without their own. Default none: such handlers fail start-up. */
  readonly idempotencyStore?: IdempotencyStore;
  /** Middlewares run around every handler, after validation and idempotency. Default none. */
  readonly middlewares?: readonly Middleware[];
  /** Retry policy of handlers without `@Retry`. Default 3 attempts, 200 ms backoff doubling. */
  readonly retry?: RetryOptions;
  /**
   * Prefix of every topic and queue of this app (`staging` turns `orders.created` into
   * `staging.orders.created` and queue `billing.invoice` into `staging.billing.invoice`), so
   * environments or test runs can share a broker without seeing each other's messages. Handlers
   * see the full topic in `ctx.topic`. Default none.
   */
  readonly namespace?: string;
  /** Overrides every handler's concurrency (the CLI's `--concurrency`). Default: as declared. */
  readonly concurrency?: number;
  /** Handler timeout where `@Subscribe` sets none; 0 disables. Default 30 000. */
  readonly handlerTimeoutMs?: number;
  /** Default timeout of `bus.request`. Default 5 000. */
  readonly requestTimeoutMs?: number;
  /** How long `stop()` waits for in-flight handlers before closing anyway. Default 10 000. */
  readonly drainTimeoutMs?: number;
  /** Serve `/metrics` and `/health` on this port (0 = any free port). Default: not served. */
  readonly httpPort?: number;
  /** How often `queue_size` is polled from transports that report it; 0 disables. Default 10 000. */
  readonly queueSizeIntervalMs?: number;
  /** Stop gracefully on SIGTERM and SIGINT, then exit. Default false (the CLI turns it on). */
  readonly handleSignals?: boolean;
  /** Default a `ConsoleLogger`. */
  readonly logger?: Logger;
  /** Metrics to record into; pass one to share its registry. Default a new registry. */
  readonly metrics?: SwitchyardMetrics;
  /** Default `JsonCodec`. */
  readonly codec?: Codec;
}
