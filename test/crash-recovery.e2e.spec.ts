import 'reflect-metadata';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Consumer,
  type DeadLetter,
  DeadLetterHeaders,
  type MessageContext,
  Subscribe,
  Switchyard,
  hasDeadLetterAccess,
  silentLogger,
} from '@switchyard/core';
import { waitFor } from '@switchyard/testing';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'switchyard.js');
const WORKER = join(ROOT, 'apps', 'jobs-worker', 'dist', 'service.js');
const KAFKA = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const SQS = process.env.SQS_ENDPOINT ?? 'http://127.0.0.1:4566';

/**
 * Every broker transport, tuned so that what a killed worker held comes back within seconds:
 * Kafka evicts a silent group member after 6 s, Redis claims entries idle for 1 s, SQS shows a
 * message again 2 s after its last heartbeat; RabbitMQ requeues at once when the connection dies.
 */
const TRANSPORTS: Record<string, string> = {
  rabbitmq: 'amqp://guest:guest@127.0.0.1:5672',
  redis: 'redis://127.0.0.1:6379?claimIdleMs=1000&claimIntervalMs=250',
  kafka: `kafka://${KAFKA}?sessionTimeout=6000&heartbeatInterval=500&rebalanceTimeout=5000&maxWaitTime=100&logLevel=nothing`,
  sqs: `sqs://test:test@us-east-1?endpoint=${SQS}&visibilityTimeout=2&waitTimeSeconds=1`,
};

const JOBS = 120;

/** A worker process as an operator starts it: `switchyard start` of the jobs-worker example. */
class WorkerProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private output = '';
  private readonly exited: Promise<number | null>;

  constructor(url: string, namespace: string) {
    this.child = spawn(
      process.execPath,
      [CLI, 'start', WORKER, '--transport', url, '--namespace', namespace, '--http-port', '0'],
      { cwd: ROOT },
    );
    this.child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  /** Resolves once the worker consumes (its banner is printed after the subscriptions started). */
  async started(): Promise<void> {
    await waitFor(() => this.output.includes('Press Ctrl-C to stop'), {
      timeoutMs: 60_000,
      message: () => `worker ${this.pid} to start; it printed:\n${this.output}`,
    });
  }

  /** Kills it the way an OOM killer or a pulled plug would: no drain, no goodbye. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Stops it as a process manager would, and resolves to its exit code. */
  async terminate(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

interface Completion {
  readonly id: string;
  readonly worker: number;
  readonly attempt: number;
}

async function crashAndRecover(url: string): Promise<void> {
  const namespace = `crash${randomBytes(3).toString('hex')}`;
  const completions: Completion[] = [];

  @Consumer({ group: 'observer' })
  class CompletedJobs {
    @Subscribe('jobs.completed')
    record(done: Completion, _ctx: MessageContext) {
      completions.push(done);
    }
  }

  const observer = await Switchyard.create({
    transport: url,
    namespace,
    consumers: [CompletedJobs],
    logger: silentLogger,
    queueSizeIntervalMs: 0,
  });
  await observer.start();
  const workers: WorkerProcess[] = [];
  try {
    const first = new WorkerProcess(url, namespace);
    workers.push(first);
    await first.started();

    await observer.bus.publish('jobs.submitted', { id: 'poison', workMs: 0, poison: true });
    await observer.bus.publish('jobs.submitted', { id: 'malformed', workMs: 'a while' });
    await Promise.all(
      Array.from({ length: JOBS }, (_, index) =>
        observer.bus.publish('jobs.submitted', { id: `job-${index + 1}`, workMs: 50 }),
      ),
    );
    await waitFor(() => completions.length >= 10, {
      timeoutMs: 60_000,
      message: () => `10 jobs done by the first worker (got ${completions.length})\n${first.log}`,
    });
    await first.kill();
    const doneBeforeKill = new Set(completions.map((done) => done.id)).size;

    const second = new WorkerProcess(url, namespace);
    workers.push(second);
    await second.started();
    await waitFor(() => new Set(completions.map((done) => done.id)).size === JOBS, {
      timeoutMs: 90_000,
      message: () =>
        `every job done (got ${new Set(completions.map((done) => done.id)).size} of ${JOBS})\n${second.log}`,
    });

    const transport = observer.transport;
    if (!hasDeadLetterAccess(transport))
      throw new Error(`${transport.name} cannot read dead letters`);
    const letters = await waitFor(
      async () => {
        const found = await transport.peekDeadLetters(`${namespace}.jobs.run`, 10);
        return found.length >= 2 ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'the poison and the malformed job in the dead letters' },
    );
    const reasons = (letter: DeadLetter) => letter.headers[DeadLetterHeaders.reason];
    expect(
      Object.fromEntries(letters.map((letter) => [letterId(letter), reasons(letter)])),
    ).toEqual({ poison: 'PoisonJobError', malformed: 'SWY_VALIDATION_FAILED' });

    const byWorker = new Map<number, number>();
    for (const done of completions) byWorker.set(done.worker, (byWorker.get(done.worker) ?? 0) + 1);
    expect(byWorker.get(second.pid)).toBeGreaterThan(0);
    expect(completions.every((done) => done.id.startsWith('job-'))).toBe(true);
    console.info(
      `${transport.name}: ${JOBS} jobs, ${doneBeforeKill} done before the kill, ` +
        `${completions.length - JOBS} done twice (at-least-once), ` +
        `${completions.filter((done) => done.attempt > 1).length} on a later attempt`,
    );

    expect(await second.terminate()).toBe(0);
    expect(second.log).toMatch(/switchyard: stopped\. success \d+/);
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
    await observer.stop();
  }
}

/** The job id of a dead letter: from its body, which every transport keeps byte for byte. */
function letterId(letter: DeadLetter): string {
  return (JSON.parse(letter.body.toString('utf8')) as { id: string }).id;
}

describe('a worker killed mid-stream', () => {
  beforeAll(() => {
    for (const built of [CLI, WORKER]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
    }
  });

  it.each(Object.keys(TRANSPORTS))(
    'loses nothing on %s: every job is done by the survivors, the poison and the malformed job are dead-lettered with their reasons',
    (name) => crashAndRecover(TRANSPORTS[name]!),
    240_000,
  );
});
