import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const demo = join(__dirname, '..', 'apps', 'orders-service', 'dist', 'main.js');

/** Every landed transport, on the brokers `scripts/brokers/all.sh` starts. */
const TRANSPORTS: Record<string, string> = {
  memory: 'memory://cross-transport',
  rabbitmq: 'amqp://guest:guest@127.0.0.1:5672',
  redis: 'redis://127.0.0.1:6379',
  kafka: `kafka://${process.env.KAFKA_BROKERS ?? '127.0.0.1:19092'}`,
  sqs: `sqs://test:test@us-east-1?endpoint=${process.env.SQS_ENDPOINT ?? 'http://127.0.0.1:4566'}`,
};

/** What a run of the demo ended with, in a form that can be compared across transports. */
interface Outcome {
  readonly retried: number;
  readonly deadLettered: number;
  readonly duplicates: number;
  /** Dead letters as `queue reason attempts`, sorted. */
  readonly deadLetters: string[];
}

async function runDemo(url: string): Promise<Outcome> {
  const namespace = `e2e${randomBytes(3).toString('hex')}`;
  const { stdout } = await run(
    process.execPath,
    [demo, '--transport', url, '--namespace', namespace, '--quiet', '--timeout-ms', '60000'],
    {
      timeout: 180_000,
    },
  );
  const totals = /processed \d+, retried (\d+), dead-lettered (\d+), duplicates skipped (\d+)/.exec(
    stdout,
  );
  if (!totals) throw new Error(`no summary in the demo's output:\n${stdout}`);
  const deadLetters = [
    ...stdout.matchAll(new RegExp(`${namespace}\\.(\\S+)\\s+(\\S+) after (\\d+) attempt`, 'g')),
  ]
    .map(([, queue, reason, attempts]) => `${queue} ${reason} ${attempts}`)
    .sort();
  return {
    retried: Number(totals[1]),
    deadLettered: Number(totals[2]),
    duplicates: Number(totals[3]),
    deadLetters,
  };
}

describe('the orders-service scenario on every transport', () => {
  let reference: Outcome;

  beforeAll(async () => {
    if (!existsSync(demo))
      throw new Error(`${demo} is missing: run "npm run build" first (npm test does)`);
    reference = await runDemo(TRANSPORTS.memory);
  }, 180_000);

  it('ends on the embedded broker with the outcomes the scenarios provoke', () => {
    expect(reference).toEqual({
      retried: 2,
      deadLettered: 4,
      duplicates: 1,
      deadLetters: [
        'billing.invoice SWY_VALIDATION_FAILED 1',
        'fraud.check FraudServiceError 3',
        'fraud.check SWY_VALIDATION_FAILED 1',
        'shipping.schedule SWY_VALIDATION_FAILED 1',
      ],
    });
  });

  const comparesWithReference = async (name: string) => {
    const outcome = await runDemo(TRANSPORTS[name]);
    expect(outcome).toEqual(reference);
  };

  it.each(['rabbitmq', 'redis', 'sqs', 'kafka'])(
    'ends on %s with the same retries, dead letters and duplicates as on the embedded broker',
    comparesWithReference,
    200_000,
  );
});
