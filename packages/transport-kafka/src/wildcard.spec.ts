import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Retry, Subscribe, type Switchyard } from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import {
  BrokerCleanup,
  PARTITIONER,
  rawKafka,
  runPrefix,
  startApp,
  useSharedBroker,
} from './test-support/kafka-test-env';

const cleanup = new BrokerCleanup();
useSharedBroker();
const kafka = rawKafka();
const prefix = runPrefix();
let counter = 0;
const apps: Switchyard[] = [];
const name = (base: string) => `${prefix}${++counter}.${base}`;

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

afterAll(() => cleanup.run(), 30_000);

describe('wildcard subscriptions', () => {
  it('picks up a matching topic that another process creates after the subscription started', async () => {
    const root = name('shop');
    const seen: string[] = [];
    @Consumer({ group: name('audit') })
    class Audit {
      @Subscribe(`${root}.#`)
      handle(_payload: unknown, ctx: MessageContext) {
        seen.push(ctx.topic);
      }
    }
    apps.push(await startApp(cleanup.transport(), [Audit]));
    // Another process creates the topic and writes to it; this process learns of it by polling.
    const later = `${root}.orders.created`;
    cleanup.topic(later);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: later, numPartitions: 2 }],
    });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: PARTITIONER });
    await producer.connect();
    await producer.send({ topic: later, messages: [{ value: '{"n":1}' }] });
    await producer.disconnect();
    await waitFor(() => seen.length === 1, {
      timeoutMs: 15_000,
      message: 'the new topic to be consumed',
    });
    expect(seen).toEqual([later]);
  });

  it("never delivers Switchyard's retry and dead-letter topics to a catch-all subscription", async () => {
    const root = name('shop');
    const everything: string[] = [];
    const group = name('everything');
    @Consumer({ group: name('failing') })
    class Failing {
      @Subscribe(`${root}.orders.placed`)
      @Retry({ attempts: 2, backoff: { initialMs: 50, jitter: 0 } })
      handle() {
        throw new Error('always');
      }
    }
    @Consumer({ group })
    class Everything {
      @Subscribe('#')
      handle(_payload: unknown, ctx: MessageContext) {
        if (ctx.topic.includes(root)) everything.push(ctx.topic);
      }
    }
    const app = await startApp(cleanup.transport(), [Failing, Everything]);
    apps.push(app);
    await app.bus.publish(`${root}.orders.placed`, { n: 1 });
    const failing = app.transport as unknown as {
      peekDeadLetters(q: string, n: number): Promise<unknown[]>;
    };
    await waitFor(
      async () => (await failing.peekDeadLetters(`${app.routes[0]!.queue}`, 5)).length === 1,
      {
        message: 'the message to be retried and dead-lettered',
      },
    );
    await waitFor(() => everything.length >= 1, { message: 'the catch-all to see the original' });
    expect(everything).toEqual([`${root}.orders.placed`]);
  });
});
