import { parseArgs } from 'node:util';
import {
  MemoryIdempotencyStore,
  acceptsLogger,
  createTransport,
  Switchyard,
  type Type,
  rootContainer,
  silentLogger,
} from '@switchyard/core';
import '@switchyard/testing';
import { ActivityLog } from './activity-log';
import { WarehouseConsumer } from './consumers/warehouse.consumer';
import { Expectations, SCENARIOS } from './scenarios';
import { consumers, transactionalConsumers } from './service';
import { missingActions, printSummary } from './summary';

/**
 * The orders-service demo: runs every scenario of the messaging tutorial on one transport, prints
 * what each handler does as it happens, then a summary, and exits (or keeps serving with
 * `--forever`). `npm start` at the repository root runs it on the embedded broker.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      transport: {
        type: 'string',
        default: process.env.SWITCHYARD_TRANSPORT ?? 'memory://orders-demo',
      },
      forever: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      namespace: { type: 'string' },
      'timeout-ms': { type: 'string', default: '60000' },
    },
  });
  const transport = values.transport;
  process.stdout.write(`orders-service demo on ${transport}\n`);
  const logA = new ActivityLog();
  const logB = new ActivityLog();
  logB.instance = 'B';
  logA.verbose = logB.verbose = !values.quiet;
  const worker = (log: ActivityLog, consumerClasses: readonly Type[], httpPort?: number) =>
    startWorker({ transport, namespace: values.namespace, log, consumerClasses, httpPort });
  const first = await worker(logA, consumers, values.forever ? 9464 : undefined);
  const transactional = first.transport.capabilities.transactions;
  const all = transactional ? [first, await worker(logA, transactionalConsumers)] : [first];
  const second = await worker(logB, [WarehouseConsumer]);
  all.push(second);

  const expectations = new Expectations();
  let settled = true;
  for (const scenario of SCENARIOS) {
    if (scenario.needsTransactions && !transactional) {
      process.stdout.write(
        `\n— ${scenario.title}\n  skipped: ${first.transport.name} has no transactions (use @Idempotent)\n`,
      );
      continue;
    }
    process.stdout.write(`\n— ${scenario.title}\n`);
    await scenario.run(first.bus, expectations);
    settled &&= await waitUntilSettled(
      all,
      [logA, logB],
      expectations,
      Number(values['timeout-ms']),
    );
  }
  if (!values.forever) await Promise.all(all.map((app) => app.stop()));
  // Dead letters are read as `switchyard dlq list` reads them: over a connection of their own.
  const inspector = createTransport(transport);
  if (acceptsLogger(inspector)) inspector.useLogger(silentLogger);
  await inspector.connect();
  await printSummary(all, [logA, logB], expectations, inspector);
  await inspector.close();
  if (values.forever) {
    process.stdout.write(
      `\nRunning until Ctrl-C; metrics on http://localhost:${first.httpPort}/metrics\n`,
    );
    return keepPublishing(all, first.bus);
  }
  return settled ? 0 : 1;
}

interface WorkerOptions {
  readonly transport: string;
  readonly namespace: string | undefined;
  readonly log: ActivityLog;
  readonly consumerClasses: readonly Type[];
  readonly httpPort?: number;
}

/** One worker instance: its own app and connection, as a separate process would have. */
async function startWorker({
  transport,
  namespace,
  log,
  consumerClasses,
  httpPort,
}: WorkerOptions): Promise<Switchyard> {
  const container = rootContainer.createChildContainer();
  container.registerInstance(ActivityLog, log);
  const app = await Switchyard.create({
    transport,
    namespace,
    consumers: consumerClasses,
    container,
    idempotencyStore: new MemoryIdempotencyStore(),
    logger: silentLogger,
    httpPort,
    retry: { attempts: 3, backoff: { initialMs: 50 } },
  });
  await app.start();
  return app;
}

async function waitUntilSettled(
  apps: readonly Switchyard[],
  logs: readonly ActivityLog[],
  expectations: Expectations,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = missingActions(logs, expectations);
    let deadLettered = 0;
    for (const app of apps)
      deadLettered += (await app.metrics.deadLettered.get()).values.reduce(
        (sum, v) => sum + v.value,
        0,
      );
    if (deadLettered < expectations.deadLetters)
      missing.push(`dead letters ${deadLettered}/${expectations.deadLetters}`);
    if (missing.length === 0) return true;
    if (Date.now() > deadline) {
      process.stderr.write(
        `\nTimed out after ${timeoutMs} ms still waiting for: ${missing.join(', ')}\n`,
      );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function keepPublishing(apps: readonly Switchyard[], bus: Switchyard['bus']): Promise<number> {
  let n = 0;
  const timer = setInterval(() => {
    n++;
    void bus.publish(
      'orders.created',
      { orderId: `live-${n}`, customerId: `c-${n % 3}`, total: 10 * n, currency: 'EUR' },
      { key: `c-${n % 3}` },
    );
  }, 2_000);
  return new Promise((resolve) => {
    const stop = () => {
      clearInterval(timer);
      process.stdout.write('\nStopping: draining in-flight messages…\n');
      void Promise.all(apps.map((app) => app.stop())).then(() => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `orders-service failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
