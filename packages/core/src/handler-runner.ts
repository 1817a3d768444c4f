import type { Codec } from './codec';
import { errorCode, errorMessage } from './errors';
import { FailurePolicy } from './failure-policy';
import { DeadLetterHeaders, Headers } from './headers';
import type { InboundMessage, OutgoingMessage } from './message';
import type { MessageBus } from './message-bus';
import { type HandlerOutcome, MessageContext } from './message-context';
import type { QueueMetrics, SwitchyardMetrics } from './metrics';
import { decodeMiddleware } from './middlewares/decode.middleware';
import { idempotencyMiddleware } from './middlewares/idempotency.middleware';
import { timeoutMiddleware } from './middlewares/timeout.middleware';
import { transactionMiddleware } from './middlewares/transaction.middleware';
import { upcastMiddleware } from './middlewares/upcast.middleware';
import { validationMiddleware } from './middlewares/validation.middleware';
import { DONE, type Middleware, type Next, compose } from './pipeline/middleware';
import type { HandlerRoute } from './routes';
import { ACK, type Settlement, type SubscriptionSpec, type Transport } from './transport';
import { isVersioned } from './decorators/upcast.decorator';
import { isTransactional } from './transport-abilities';

/** What a runner needs from the app. */
export interface RunnerDeps {
  readonly transport: Transport;
  readonly codec: Codec;
  readonly bus: MessageBus;
  readonly metrics: SwitchyardMetrics;
  /** App-wide middlewares, run after validation and idempotency, around the handler. */
  readonly middlewares: readonly Middleware[];
  readonly onError: (route: HandlerRoute, message: InboundMessage, error: unknown) => void;
}

/**
 * Runs one handler: its pipeline is composed once here, and `deliver` turns each message into a
 * settlement (ack, retry after a delay, or dead-letter with the reason) that the transport applies.
 */
export class HandlerRunner {
  readonly spec: SubscriptionSpec;
  private readonly pipeline: Next;
  private readonly policy: FailurePolicy;
  private readonly queueMetrics: QueueMetrics;

  constructor(
    readonly route: HandlerRoute,
    instance: object,
    private readonly deps: RunnerDeps,
  ) {
    this.policy = new FailurePolicy(route, route.retry);
    this.queueMetrics = deps.metrics.forQueue(route.queue);
    this.pipeline = compose(this.middlewares(), invoker(instance, route.method));
    this.spec = {
      queue: route.queue,
      handler: route.name,
      patterns: route.patterns,
      concurrency: route.concurrency,
      prefetch: route.prefetch,
      ackMode: route.guarantee === 'at-most-once' ? 'before-handler' : 'after-handler',
      maxAttempts: this.policy.attempts,
      ordered: route.ordered,
      maxPriority: route.maxPriority,
      transportOptions: route.transportOptions,
    };
  }

  /**
   * The `DeliveryHandler` given to the transport. Never throws or rejects. A pipeline that finished
   * synchronously (a sync handler) returns its settlement itself, so the transport applies it in
   * the same turn: no promise, no closure and no microtask for it.
   */
  readonly deliver = (message: InboundMessage): Settlement | Promise<Settlement> => {
    const ctx = new MessageContext(message, this.route, this.deps.bus);
    const startedAt = performance.now();
    this.queueMetrics.inFlight++;
    let running: Promise<void>;
    try {
      running = this.pipeline(ctx);
    } catch (error) {
      return this.failed(ctx, startedAt, error);
    }
    if (running === DONE) return this.succeeded(ctx, startedAt);
    return running.then(
      () => this.succeeded(ctx, startedAt),
      (error: unknown) => this.failed(ctx, startedAt, error),
    );
  };

  /**
   * The pipeline resolved: the handler's outcome, or an ack (after the reply, for RPC). A value
   * when it is known now, so neither caller wraps a promise in a promise.
   */
  private succeeded(ctx: MessageContext, startedAt: number): Settlement | Promise<Settlement> {
    let settlement: Settlement;
    try {
      settlement = ctx.outcome ? this.settleOutcome(ctx, ctx.outcome) : ACK;
    } catch (error) {
      return this.failed(ctx, startedAt, error);
    }
    if (settlement === ACK && this.route.kind === 'rpc') return this.replied(ctx, startedAt);
    this.finish(ctx, startedAt, settlement);
    return settlement;
  }

  private async replied(ctx: MessageContext, startedAt: number): Promise<Settlement> {
    try {
      await this.reply(ctx.message, ctx.result);
    } catch (error) {
      return this.failed(ctx, startedAt, error);
    }
    this.finish(ctx, startedAt, ACK);
    return ACK;
  }

  /** The pipeline (or the reply) failed: retry or dead-letter, as the policy says. */
  private async failed(
    ctx: MessageContext,
    startedAt: number,
    error: unknown,
  ): Promise<Settlement> {
    const { message } = ctx;
    const settlement = this.policy.onFailure(message, error);
    this.deps.onError(this.route, message, error);
    if (settlement.kind === 'dead-letter' && this.route.kind === 'rpc') {
      await this.replyWithError(message, error);
    }
    this.finish(ctx, startedAt, settlement);
    return settlement;
  }

  private finish(ctx: MessageContext, startedAt: number, settlement: Settlement): void {
    const stats = this.queueMetrics;
    stats.inFlight--;
    stats.observe((performance.now() - startedAt) / 1000);
    this.count(settlement, ctx);
  }

  private settleOutcome(ctx: MessageContext, outcome: HandlerOutcome): Settlement {
    switch (outcome.kind) {
      case 'skip':
        return ACK;
      case 'reject':
        return this.policy.deadLetter(ctx.message, 'SWY_REJECTED', outcome.reason);
      case 'retry-later':
        return ctx.message.attempt < this.policy.attempts
          ? this.policy.retry(ctx.message, outcome.delayMs)
          : this.policy.deadLetter(ctx.message, 'SWY_RETRIES_EXHAUSTED', outcome.reason);
    }
  }

  private count(settlement: Settlement, ctx: MessageContext): void {
    const processed = this.queueMetrics.processed;
    if (settlement.kind === 'retry') {
      processed.retried++;
      this.deps.metrics.retried.inc({ queue: this.route.queue });
    } else if (settlement.kind === 'dead-letter') {
      processed.dead_lettered++;
      this.deps.metrics.deadLettered.inc({
        queue: this.route.queue,
        reason: settlement.headers[DeadLetterHeaders.reason],
      });
    } else if (ctx.outcome?.kind === 'skip') {
      if (ctx.outcome.reason === 'duplicate') processed.duplicate++;
      else processed.skipped++;
    } else {
      processed.success++;
    }
  }

  private middlewares(): Middleware[] {
    const { route, deps } = this;
    const chain: Middleware[] = [decodeMiddleware(deps.codec)];
    if (route.schema && isVersioned(route.schema)) chain.push(upcastMiddleware(route.schema));
    if (route.schema) chain.push(validationMiddleware(route.schema));
    if (route.idempotency) chain.push(idempotencyMiddleware(route.idempotency));
    chain.push(...deps.middlewares);
    if (route.guarantee === 'exactly-once' && isTransactional(deps.transport)) {
      chain.push(transactionMiddleware(deps.transport, deps.bus));
    }
    if (route.timeoutMs > 0) chain.push(timeoutMiddleware(route.timeoutMs));
    return chain;
  }

  private async reply(request: InboundMessage, result: unknown): Promise<void> {
    const address = request.headers[Headers.replyTo];
    if (address === undefined) return;
    await this.deps.transport.reply(address, this.replyMessage(request, result, {}));
  }

  private async replyWithError(request: InboundMessage, error: unknown): Promise<void> {
    const address = request.headers[Headers.replyTo];
    if (address === undefined) return;
    const headers = {
      [Headers.errorCode]: errorCode(error),
      [Headers.errorMessage]: errorMessage(error),
    };
    try {
      await this.deps.transport.reply(address, this.replyMessage(request, null, headers));
    } catch (replyError) {
      // The caller will time out instead; the request itself is dead-lettered either way.
      this.deps.onError(this.route, request, replyError);
    }
  }

  /** A reply travels under the request's topic and correlation id, addressed by `reply-to`. */
  private replyMessage(
    request: InboundMessage,
    result: unknown,
    headers: Record<string, string>,
  ): OutgoingMessage {
    const correlationId = request.headers[Headers.correlationId] ?? request.id;
    return this.deps.bus.createMessage(
      request.topic,
      result ?? null,
      { headers, correlationId },
      request,
    );
  }
}

/** The innermost step: calls the handler, storing its result; no promise is made for a sync one. */
function invoker(instance: object, method: string): Next {
  const handler = (instance as Record<string, (payload: unknown, ctx: MessageContext) => unknown>)[
    method
  ];
  return (ctx) => {
    const result = handler.call(instance, ctx.payload, ctx);
    if (result instanceof Promise) {
      return result.then((value: unknown) => {
        ctx.result = value;
      });
    }
    ctx.result = result;
    return DONE;
  };
}
