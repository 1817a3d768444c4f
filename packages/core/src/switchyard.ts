import 'reflect-metadata';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { type Codec, JsonCodec } from './codec';
import { DEFAULT_RETRY } from './failure-policy';
import { ConfigurationError, LifecycleError, errorCode, errorMessage } from './errors';
import { HandlerRunner } from './handler-runner';
import { type HealthReport, HttpEndpoint } from './http-endpoint';
import { ConsoleLogger, type Logger } from './logger';
import { MESSAGE_BUS_DEPS, MessageBus, type MessageBusDeps } from './message-bus';
import { SwitchyardMetrics } from './metrics';
import type { SwitchyardOptions } from './options';
import { type HandlerRoute, resolveRoutes } from './routes';
import { RpcClient } from './rpc-client';
import type { Subscription, Transport } from './transport';
import { acceptsLogger, hasQueueSizeProbe, isTransactional } from './transport-abilities';
import { isValidTopic } from './topic-matcher';
import { createTransport } from './transport-registry';

/** Where an app is in its life. */
export type SwitchyardState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

const HEALTH_STATUS: Record<SwitchyardState, HealthReport['status']> = {
  created: 'starting',
  starting: 'starting',
  running: 'up',
  stopping: 'stopping',
  stopped: 'down',
};

/**
 * A Switchyard app: consumers wired to a transport through the pipeline. Create it, `start()` it,
 * `stop()` it; `bus` publishes, sends and requests.
 *
 * @example
 * ```ts
 * const app = await Switchyard.create({ transport: 'memory://', consumers: [BillingConsumer] });
 * await app.start();
 * await app.bus.publish('orders.created', { orderId: '1', total: 10 });
 * ```
 */
export class Switchyard {
  /** Publishes, sends and requests; also injectable into consumers as `MessageBus`. */
  readonly bus: MessageBus;
  /** Every handler, resolved from the decorators. */
  readonly routes: readonly HandlerRoute[];
  readonly metrics: SwitchyardMetrics;
  readonly container: DependencyContainer;
  readonly transport: Transport;
  private currentState: SwitchyardState = 'created';
  private readonly subscriptions: Subscription[] = [];
  private readonly runners: HandlerRunner[];
  private readonly http: HttpEndpoint;
  private readonly rpc: RpcClient;
  private readonly logger: Logger;
  private boundPort: number | undefined;
  private queueSizeTimer: NodeJS.Timeout | undefined;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.stopOnSignal(signal);

  private constructor(private readonly options: SwitchyardOptions) {
    this.logger = options.logger ?? new ConsoleLogger();
    this.transport =
      typeof options.transport === 'string'
        ? createTransport(options.transport)
        : options.transport;
    if (acceptsLogger(this.transport)) this.transport.useLogger(this.logger);
    this.metrics = options.metrics ?? new SwitchyardMetrics();
    if (options.namespace !== undefined && !isValidTopic(options.namespace)) {
      throw new ConfigurationError(
        `namespace "${options.namespace}" must be dotted words without wildcards, e.g. "staging"`,
      );
    }
    const codec: Codec = options.codec ?? new JsonCodec();
    this.routes = resolveRoutes(options.consumers ?? [], {
      timeoutMs: options.handlerTimeoutMs ?? 30_000,
      retry: options.retry ?? DEFAULT_RETRY,
      idempotencyStore: options.idempotencyStore,
      concurrency: options.concurrency,
      namespace: options.namespace,
    });
    this.assertTransportCanServe();
    this.rpc = new RpcClient(this.transport, codec, this.metrics);
    this.container = (options.container ?? rootContainer).createChildContainer();
    const busDeps: MessageBusDeps = {
      transport: this.transport,
      codec,
      rpc: this.rpc,
      metrics: this.metrics,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      namespace: options.namespace,
    };
    this.container.register(MESSAGE_BUS_DEPS, { useValue: busDeps });
    this.bus = new MessageBus(busDeps);
    this.container.register(MessageBus, { useValue: this.bus });
    const runnerDeps = {
      transport: this.transport,
      codec,
      bus: this.bus,
      metrics: this.metrics,
      middlewares: options.middlewares ?? [],
      onError: (route: HandlerRoute, _message: unknown, error: unknown) =>
        this.logger.warn(`${route.name} failed`, {
          code: errorCode(error),
          error: errorMessage(error),
        }),
    };
    const instances = new Map<unknown, object>();
    this.runners = this.routes.map((route) => {
      let instance = instances.get(route.consumer);
      if (!instance) {
        instance = this.resolveConsumer(route);
        instances.set(route.consumer, instance);
      }
      return new HandlerRunner(route, instance, runnerDeps);
    });
    this.http = new HttpEndpoint(this.metrics, () => this.health());
  }

  /**
   * Resolves decorators, the transport and the consumers' dependencies. Every configuration
   * mistake surfaces here as a `ConfigurationError` naming class and method.
   */
  static async create(options: SwitchyardOptions): Promise<Switchyard> {
    return new Switchyard(options);
  }

  get state(): SwitchyardState {
    return this.currentState;
  }

  /** The port `/metrics` and `/health` are served on, once started with `httpPort`. */
  get httpPort(): number | undefined {
    return this.boundPort;
  }

  /** Connects, declares every queue and starts consuming. */
  async start(): Promise<void> {
    if (this.currentState !== 'created') {
      throw new LifecycleError(`Cannot start an app that is ${this.currentState}`);
    }
    this.currentState = 'starting';
    try {
      await this.transport.connect();
      for (const runner of this.runners) {
        this.subscriptions.push(await this.transport.subscribe(runner.spec, runner.deliver));
      }
      if (this.options.httpPort !== undefined)
        this.boundPort = await this.http.listen(this.options.httpPort);
    } catch (error) {
      await this.shutdown();
      throw error;
    }
    this.startQueueSizePolling();
    if (this.options.handleSignals) {
      process.once('SIGTERM', this.onSignal);
      process.once('SIGINT', this.onSignal);
    }
    this.currentState = 'running';
  }

  /**
   * Stops gracefully: no new messages are fetched, in-flight handlers finish (up to
   * `drainTimeoutMs`) and are settled, then connections close. Whatever did not finish in time is
   * redelivered by the broker, never lost. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.currentState === 'stopped' || this.currentState === 'stopping') return;
    this.currentState = 'stopping';
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
    clearInterval(this.queueSizeTimer);
    const drained = await this.drain(this.options.drainTimeoutMs ?? 10_000);
    if (!drained)
      this.logger.warn('Drain deadline passed; unfinished messages will be redelivered');
    this.rpc.rejectAll(new LifecycleError('The app stopped before the reply arrived'));
    await this.transport.close();
    await this.http.close();
    this.currentState = 'stopped';
  }

  private async drain(deadlineMs: number): Promise<boolean> {
    const closing = Promise.all(
      this.subscriptions.splice(0).map((subscription) => subscription.close()),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const drained = await Promise.race([closing.then(() => true as const), deadline]);
    clearTimeout(timer);
    return drained;
  }

  private stopOnSignal(signal: NodeJS.Signals): void {
    this.logger.info(`${signal} received, draining`);
    this.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        this.logger.error('Shutdown failed', { error: errorMessage(error) });
        process.exit(1);
      },
    );
  }

  private startQueueSizePolling(): void {
    const interval = this.options.queueSizeIntervalMs ?? 10_000;
    const transport = this.transport;
    if (interval <= 0 || !hasQueueSizeProbe(transport)) return;
    const poll = async (): Promise<void> => {
      for (const { queue } of this.routes) {
        const size = await transport.queueSize(queue).catch(() => undefined);
        if (size !== undefined) this.metrics.queueSize.set({ queue }, size);
      }
    };
    this.queueSizeTimer = setInterval(() => void poll(), interval);
    this.queueSizeTimer.unref();
    void poll();
  }

  private health(): HealthReport {
    return {
      status: HEALTH_STATUS[this.currentState],
      transport: this.transport.name,
      queues: this.routes.map((route) => route.queue),
    };
  }

  private resolveConsumer(route: HandlerRoute): object {
    try {
      return this.container.resolve(route.consumer) as object;
    } catch (error) {
      throw new ConfigurationError(
        `Cannot construct ${route.consumer.name}: ${errorMessage(error)}. Mark its dependencies @Injectable() or register them in the container`,
        { cause: error },
      );
    }
  }

  private assertTransportCanServe(): void {
    for (const route of this.routes) {
      if (route.guarantee === 'exactly-once' && !isTransactional(this.transport)) {
        throw new ConfigurationError(
          `${route.name}: exactly-once needs a transport with transactions, and "${this.transport.name}" has none; use @Idempotent with a durable store instead`,
        );
      }
    }
  }
}
