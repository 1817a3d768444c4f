import { ConsoleLogger, type Logger, Switchyard, errorMessage } from '@switchyard/core';
import { CliUsageError, ExitCode } from '../cli-error';
import { loadService } from '../load-service';
import { describeRoute, formatTable } from './routes.command';

/** Options of `switchyard start`. */
export interface StartCommandOptions {
  readonly entry: string;
  /** Transport URL; default the service's own, then `SWITCHYARD_TRANSPORT`, then `memory://`. */
  readonly transport: string | undefined;
  readonly concurrency: number | undefined;
  /**
   * Prefix of every topic and queue (`staging` → `staging.orders.created`); default the service's
   * own, then `SWITCHYARD_NAMESPACE`, then none.
   */
  readonly namespace: string | undefined;
  /** Port of `/metrics` and `/health`; default 9464 (Prometheus exporters' customary port range). */
  readonly httpPort: number;
  readonly json: boolean;
}

/**
 * Starts a worker: loads the service, connects, prints a banner of what it consumes, and runs until
 * SIGTERM or SIGINT, when it drains in-flight messages and exits.
 */
export async function startCommand(
  options: StartCommandOptions,
  out: NodeJS.WritableStream,
): Promise<RunningWorker> {
  const service = loadService(options.entry);
  const transport =
    options.transport ?? service.transport ?? process.env.SWITCHYARD_TRANSPORT ?? 'memory://';
  if (
    options.concurrency !== undefined &&
    (!Number.isInteger(options.concurrency) || options.concurrency < 1)
  ) {
    throw new CliUsageError(`--concurrency must be a positive integer, got ${options.concurrency}`);
  }
  const logger = new ConsoleLogger(options.json ? 'json' : 'text');
  const namespace = options.namespace ?? service.namespace ?? process.env.SWITCHYARD_NAMESPACE;
  const app = await Switchyard.create({
    ...service,
    transport,
    namespace,
    logger,
    httpPort: options.httpPort,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  await app.start();
  const routes = app.routes.map(describeRoute);
  if (options.json) {
    logger.info('started', {
      transport: app.transport.name,
      namespace,
      httpPort: app.httpPort,
      routes,
    });
  } else {
    out.write(
      `switchyard: ${app.routes.length} handler(s) on ${app.transport.name} (${typeof transport === 'string' ? redact(transport) : 'custom'})` +
        `${namespace ? ` in namespace ${namespace}` : ''}; ` +
        `metrics and health on http://localhost:${app.httpPort}/metrics and /health\n` +
        formatTable(['topic', 'kind', 'queue', 'handler', 'concurrency'], routes) +
        'Press Ctrl-C to stop (in-flight messages are finished first).\n',
    );
  }
  const detach = stopOnSignal(app, logger, options.json, out);
  return {
    app,
    stop: async () => {
      detach();
      await app.stop();
    },
  };
}

/** A worker started by `startCommand`. */
export interface RunningWorker {
  readonly app: Switchyard;
  /** Stops the worker as a signal would, without exiting the process. */
  stop(): Promise<void>;
}

/**
 * On SIGTERM or SIGINT: drain, print what the worker did, exit. Signals that arrive while draining
 * are ignored — npm and process managers forward the same signal again — and the drain deadline
 * bounds the wait. Returns how to remove the handlers.
 */
function stopOnSignal(
  app: Switchyard,
  logger: Logger,
  json: boolean,
  out: NodeJS.WritableStream,
): () => void {
  let stopping = false;
  const detach = () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: finishing in-flight messages`);
    app
      .stop()
      .then(async () => {
        const summary = await shutdownSummary(app);
        if (json) logger.info('stopped', summary);
        else
          out.write(
            `switchyard: stopped. ${Object.entries(summary)
              .map(([status, count]) => `${status} ${count}`)
              .join(', ')}\n`,
          );
        process.exit(ExitCode.ok);
      })
      .catch((error: unknown) => {
        logger.error('shutdown failed', { error: errorMessage(error) });
        process.exit(ExitCode.failure);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return detach;
}

/** Messages handled by outcome since the worker started. */
async function shutdownSummary(app: Switchyard): Promise<Record<string, number>> {
  const summary: Record<string, number> = {
    success: 0,
    retried: 0,
    dead_lettered: 0,
    skipped: 0,
    duplicate: 0,
  };
  for (const { labels, value } of (await app.metrics.processed.get()).values) {
    summary[String(labels.status)] = (summary[String(labels.status)] ?? 0) + value;
  }
  return summary;
}

/** Hides a password in a URL. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@/]+@/, '$1***@');
}
