import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe, type Switchyard } from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import { BrokerCleanup, runPrefix, startApp, useSharedBroker } from './test-support/kafka-test-env';
import type { KafkaTransport } from './transport';

const cleanup = new BrokerCleanup();
useSharedBroker();
const prefix = runPrefix();

afterAll(() => cleanup.run(), 30_000);

/** Counts, per message number, how often a handler of the group ran it. */
class Tally {
  readonly counts = new Map<number, number>();
  readonly byWorker = new Map<string, number>();

  record(n: number, worker: string): void {
    this.counts.set(n, (this.counts.get(n) ?? 0) + 1);
    this.byWorker.set(worker, (this.byWorker.get(worker) ?? 0) + 1);
  }

  get duplicates(): number {
    let extra = 0;
    for (const count of this.counts.values()) extra += count - 1;
    return extra;
  }
}

function worker(group: string, topic: string, tally: Tally, name: string) {
  @Consumer({ group, concurrency: 4 })
  class Worker {
    @Subscribe(topic)
    async handle(payload: { n: number }, _ctx: MessageContext) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      tally.record(payload.n, name);
    }
  }
  return Worker;
}

async function publishRange(app: Switchyard, topic: string, from: number, to: number) {
  for (let n = from; n < to; n += 10) {
    const batch = [];
    for (let i = n; i < Math.min(to, n + 10); i++)
      batch.push(app.bus.publish(topic, { n: i }, { key: `k${i % 13}` }));
    await Promise.all(batch);
  }
}

describe('rebalancing', () => {
  it('loses nothing while a second worker joins and leaves mid-stream; duplicates stay within at-least-once', async () => {
    const topic = `${prefix}.orders.placed`;
    const group = `${prefix}.workers`;
    const tally = new Tally();
    const total = 600;
    const first = await startApp(cleanup.transport('partitions=6'), [
      worker(group, topic, tally, 'first'),
    ]);
    const publisher = await startApp(cleanup.transport('partitions=6'), []);

    await publishRange(publisher, topic, 0, 200);
    const second = await startApp(cleanup.transport('partitions=6'), [
      worker(group, topic, tally, 'second'),
    ]);
    await publishRange(publisher, topic, 200, 400);
    await waitFor(() => (tally.byWorker.get('second') ?? 0) > 0, {
      message: 'the second worker to get work',
    });
    await second.stop();
    const third = await startApp(cleanup.transport('partitions=6'), [
      worker(group, topic, tally, 'third'),
    ]);
    await publishRange(publisher, topic, 400, total);
    // A worker killed without draining: what it held goes to the others.
    await (third.transport as KafkaTransport).disconnect();

    await waitFor(() => tally.counts.size === total, {
      timeoutMs: 30_000,
      message: `all ${total} messages (got ${tally.counts.size})`,
    });
    console.info(
      `rebalance: ${total} messages, ${tally.duplicates} duplicate deliveries, per worker ${JSON.stringify(Object.fromEntries(tally.byWorker))}`,
    );
    expect([...tally.counts.keys()].sort((a, b) => a - b)).toEqual([...Array(total).keys()]);
    await Promise.all([first.stop(), publisher.stop(), third.stop()]);
  }, 60_000);
});
