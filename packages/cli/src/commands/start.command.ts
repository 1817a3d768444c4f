import { ConsoleLogger, Switchyard } from '@switchyard/core';
import { CliUsageError } from '../cli-error';
import { loadService } from '../load-service';
import { describeRoute, formatTable } from './routes.command';

/** Options of `switchyard start`. */
export interface StartCommandOptions {
  readonly entry: string;
  /** Transport URL; default the service's own, then `SWITCHYARD_TRANSPORT`, then `memory://`. */
  readonly transport: string | undefined;
  readonly concurrency: number | undefined;
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
): Promise<Switchyard> {
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
  const app = await Switchyard.create({
    ...service,
    transport,
    logger,
    httpPort: options.httpPort,
    handleSignals: true,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  await app.start();
  const routes = app.routes.map(describeRoute);
  if (options.json) {
    logger.info('started', { transport: app.transport.name, httpPort: app.httpPort, routes });
  } else {
    out.write(
      `switchyard: ${app.routes.length} handler(s) on ${app.transport.name} (${typeof transport === 'string' ? redact(transport) : 'custom'}); ` +
        `metrics and health on http://localhost:${app.httpPort}/metrics and /health\n` +
        formatTable(['topic', 'kind', 'queue', 'handler', 'concurrency'], routes) +
        'Press Ctrl-C to stop (in-flight messages are finished first).\n',
    );
  }
  return app;
}

/** Hides a password in a URL. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@/]+@/, '$1***@');
}
