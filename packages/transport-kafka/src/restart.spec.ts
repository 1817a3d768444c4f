import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import { takeBroker } from './test-support/broker-lock';
import { BrokerCleanup, runPrefix, startApp } from './test-support/kafka-test-env';

/**
 * The one test that restarts the broker (the project's script). It takes the broker alone: the
 * other test files of this package wait while it runs. Other packages do not use Kafka.
 */
const SCRIPT = resolve(__dirname, '../../../scripts/brokers/kafka.sh');
const cleanup = new BrokerCleanup();
let release: () => void = () => undefined;

function broker(command: 'start' | 'stop'): void {
  execFileSync('bash', [SCRIPT, command], { stdio: 'ignore', timeout: 120_000 });
}

beforeAll(async () => {
  release = await takeBroker();
}, 180_000);

afterAll(async () => {
  broker('start'); // whatever happened, leave a running broker behind
  await cleanup.run();
  release();
}, 180_000);

describe('a broker restart', () => {
  it('resumes consuming and publishing after the broker restarts mid-stream, losing nothing', async () => {
    const prefix = runPrefix();
    const topic = `${prefix}.orders.placed`;
    const seen = new Map<number, number>();
    @Consumer({ group: `${prefix}.resilient`, concurrency: 4 })
    class Resilient {
      @Subscribe(topic)
      handle(payload: { n: number }, _ctx: MessageContext) {
        seen.set(payload.n, (seen.get(payload.n) ?? 0) + 1);
      }
    }
    const app = await startApp(cleanup.transport(), [Resilient]);
    for (let n = 0; n < 20; n++) await app.bus.publish(topic, { n }, { key: `k${n % 4}` });
    await waitFor(() => seen.size === 20, { message: 'messages before the restart' });

    broker('stop');
    // Published while the broker is down: resolves once it is back.
    const during = Promise.all(
      [20, 21, 22, 23, 24].map((n) => app.bus.publish(topic, { n }, { key: `k${n % 4}` })),
    );
    broker('start');
    await during;
    for (let n = 25; n < 40; n++) await app.bus.publish(topic, { n }, { key: `k${n % 4}` });
    await waitFor(() => seen.size === 40, {
      timeoutMs: 60_000,
      message: `all 40 messages after the restart (got ${seen.size})`,
    });
    const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
    console.info(`broker restart: 40 messages, ${duplicates} duplicate deliveries`);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    await app.stop();
  }, 120_000);
});
