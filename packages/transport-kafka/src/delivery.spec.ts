import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Consumer,
  DeadLetterHeaders,
  type MessageContext,
  Retry,
  Subscribe,
  type Switchyard,
} from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import {
  BrokerCleanup,
  rawKafka,
  runPrefix,
  startApp,
  useSharedBroker,
} from './test-support/kafka-test-env';

const cleanup = new BrokerCleanup();
useSharedBroker();
const admin = rawKafka().admin();
const prefix = runPrefix();
let counter = 0;
const apps: Switchyard[] = [];
const name = (base: string) => `${prefix}${++counter}.${base}`;

async function start(consumers: Parameters<typeof startApp>[1], extra = 'partitions=1') {
  const transport = cleanup.transport(extra);
  const app = await startApp(transport, consumers);
  apps.push(app);
  return { app, transport };
}

async function committedOffset(group: string, topic: string): Promise<string | undefined> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return offsets?.partitions[0]?.offset;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

afterAll(async () => {
  await admin.disconnect();
  await cleanup.run();
}, 30_000);

beforeAll(() => admin.connect());

describe('offsets', () => {
  it('commits a partition only up to its first unfinished message, so a crash redelivers from there', async () => {
    const topic = name('jobs.run');
    const group = name('workers');
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const firstRun: number[] = [];
    const secondRun: number[] = [];
    @Consumer({ group, concurrency: 4 })
    class Slow {
      @Subscribe(topic)
      async handle(payload: { n: number }) {
        firstRun.push(payload.n);
        if (payload.n === 0) await blocked;
      }
    }
    const { app, transport } = await start([Slow]);
    for (let n = 0; n < 5; n++) await app.bus.publish(topic, { n });
    await waitFor(() => firstRun.length === 5, { message: 'all five handed out' });
    const queue = `${group}.handle`;
    await waitFor(async () => (await committedOffset(queue, topic)) === '0', {
      message: 'the commit to stop at the unfinished offset 0',
    });

    await transport.disconnect(); // a crash: message 0 never finished
    apps.splice(apps.indexOf(app), 1);
    @Consumer({ group, concurrency: 4 })
    class Replacement {
      @Subscribe(topic)
      handle(payload: { n: number }) {
        secondRun.push(payload.n);
      }
    }
    await start([Replacement]);
    await waitFor(() => secondRun.length >= 5, { message: 'redelivery from offset 0' });
    expect([...secondRun].sort()).toEqual([0, 1, 2, 3, 4]);
    await waitFor(async () => (await committedOffset(queue, topic)) === '5', {
      message: 'the commit to reach the end',
    });
    release();
  });

  it('fetches no more than prefetch messages ahead of the handler', async () => {
    const topic = name('jobs.run');
    const group = name('bounded');
    const gates: (() => void)[] = [];
    @Consumer({ group, concurrency: 1, prefetch: 3 })
    class Bounded {
      @Subscribe(topic)
      handle() {
        return new Promise<void>((resolve) => gates.push(resolve));
      }
    }
    const { app, transport } = await start([Bounded]);
    for (let n = 0; n < 12; n++) await app.bus.publish(topic, { n });
    const queue = `${group}.handle`;
    for (let n = 0; n < 12; n++) {
      await waitFor(() => gates.length === n + 1, { message: `message ${n} handed out` });
      expect(transport.fetchedAhead(queue)).toBeLessThanOrEqual(3);
      gates[n]!();
    }
  });
});

describe('ordering within a partition', () => {
  it('runs different keys of one partition concurrently and each key one at a time, in order', async () => {
    const topic = name('accounts.updated');
    const seen = new Map<string, number[]>();
    const busy = new Set<string>();
    let running = 0;
    let maxRunning = 0;
    let overlaps = 0;
    @Consumer({ group: name('ledger'), concurrency: 4 })
    class Ledger {
      @Subscribe(topic)
      async handle(payload: { key: string; seq: number }) {
        if (busy.has(payload.key)) overlaps++;
        busy.add(payload.key);
        maxRunning = Math.max(maxRunning, ++running);
        await new Promise((resolve) => setTimeout(resolve, 15));
        running--;
        busy.delete(payload.key);
        seen.set(payload.key, [...(seen.get(payload.key) ?? []), payload.seq]);
      }
    }
    const { app } = await start([Ledger]);
    const keys = ['a', 'b', 'c', 'd'];
    await Promise.all(
      keys.flatMap((key) =>
        [0, 1, 2, 3, 4].map((seq) => app.bus.publish(topic, { key, seq }, { key })),
      ),
    );
    await waitFor(() => [...seen.values()].flat().length === 20, { message: '20 messages' });
    expect(overlaps).toBe(0);
    expect(maxRunning).toBeGreaterThan(1);
    for (const key of keys) expect(seen.get(key)).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs keyless messages of one partition concurrently', async () => {
    const topic = name('metrics.sampled');
    let running = 0;
    let maxRunning = 0;
    let done = 0;
    @Consumer({ group: name('sampler'), concurrency: 4 })
    class Sampler {
      @Subscribe(topic)
      async handle() {
        maxRunning = Math.max(maxRunning, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        done++;
      }
    }
    const { app } = await start([Sampler]);
    await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((n) => app.bus.publish(topic, { n })));
    await waitFor(() => done === 8, { message: 'eight messages' });
    expect(maxRunning).toBe(4);
  });
});

describe('retries and delays', () => {
  it('retries an unordered message through the retry topic, letting later messages of its key pass', async () => {
    const topic = name('orders.placed');
    const order: string[] = [];
    @Consumer({ group: name('flaky') })
    class Flaky {
      @Subscribe(topic)
      @Retry({ attempts: 2, backoff: { initialMs: 400, jitter: 0 } })
      handle(payload: { n: number }, ctx: MessageContext) {
        order.push(`${payload.n}@${ctx.attempt}`);
        if (payload.n === 0 && ctx.attempt === 1) throw new Error('transient');
      }
    }
    const { app } = await start([Flaky]);
    for (let n = 0; n < 3; n++) await app.bus.publish(topic, { n }, { key: 'same-key' });
    await waitFor(() => order.length === 4, { message: 'three messages and one retry' });
    expect(order).toEqual(['0@1', '1@1', '2@1', '0@2']);
  });

  it('holds a delayed message back without holding back the messages published after it', async () => {
    const topic = name('reminders.due');
    const handled: { n: number; at: number }[] = [];
    @Consumer({ group: name('reminders') })
    class Reminders {
      @Subscribe(topic)
      handle(payload: { n: number }) {
        handled.push({ n: payload.n, at: Date.now() });
      }
    }
    const { app } = await start([Reminders]);
    const sentAt = Date.now();
    await app.bus.publish(topic, { n: 0 }, { delayMs: 800, key: 'k' });
    await app.bus.publish(topic, { n: 1 }, { key: 'k' });
    await waitFor(() => handled.length === 2, { message: 'both messages' });
    expect(handled.map((h) => h.n)).toEqual([1, 0]);
    expect(handled[1]!.at - sentAt).toBeGreaterThanOrEqual(800);
  });
});

describe('dead letters and lag', () => {
  it("keeps dead letters in the queue's dlq topic with plain string headers, readable oldest first", async () => {
    const topic = name('orders.placed');
    const group = name('doomed');
    @Consumer({ group })
    class Doomed {
      @Subscribe(topic)
      handle(_payload: unknown, ctx: MessageContext) {
        ctx.reject('no such customer');
      }
    }
    const { app, transport } = await start([Doomed]);
    for (let n = 0; n < 3; n++) await app.bus.publish(topic, { n }, { key: `k${n}` });
    const queue = `${group}.handle`;
    await waitFor(async () => (await transport.peekDeadLetters(queue, 10)).length === 3, {
      message: 'three dead letters',
    });
    const firstTwo = await transport.peekDeadLetters(queue, 2);
    expect(firstTwo.map((l) => JSON.parse(l.body.toString()).n)).toEqual([0, 1]);
    expect(firstTwo[0]).toMatchObject({ topic, key: 'k0' });

    const readerGroup = name('raw-reader');
    cleanup.group(readerGroup);
    const raw = rawKafka().consumer({ groupId: readerGroup, maxWaitTimeInMs: 100 });
    const headers: Record<string, string>[] = [];
    await raw.connect();
    await raw.subscribe({ topics: [`__swy.dlq.${queue}`], fromBeginning: true });
    await raw.run({
      eachMessage: async ({ message }) => {
        const entry: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) entry[k] = String(v);
        headers.push(entry);
      },
    });
    await waitFor(() => headers.length === 3, { message: 'the raw consumer to read them' });
    await raw.disconnect();
    expect(headers[0]).toMatchObject({
      [DeadLetterHeaders.reason]: 'SWY_REJECTED',
      [DeadLetterHeaders.error]: 'no such customer',
      [DeadLetterHeaders.originalTopic]: topic,
      'message-id': firstTwo[0]!.id,
    });
  });

  it('reports consumer lag as the queue size', async () => {
    const topic = name('orders.placed');
    const group = name('lagging');
    let handled = 0;
    @Consumer({ group })
    class Lagging {
      @Subscribe(topic)
      handle() {
        handled++;
      }
    }
    const queue = `${group}.handle`;
    // The group consumes once (so the broker knows its offsets), then stops.
    const first = await start([Lagging], 'partitions=3');
    await first.app.bus.publish(topic, { n: -1 });
    await waitFor(async () => (await first.transport.queueSize(queue)) === 0 && handled === 1, {
      message: 'the first message to be consumed and committed',
    });
    await first.app.stop();
    apps.splice(apps.indexOf(first.app), 1);
    const publisher = cleanup.transport();
    await publisher.connect();
    for (let n = 0; n < 7; n++) {
      await publisher.publish({
        id: `m${n}`,
        topic,
        key: `k${n}`,
        headers: {},
        body: Buffer.from(JSON.stringify({ n })),
        timestamp: Date.now(),
        priority: undefined,
        delayMs: undefined,
      });
    }
    expect(await publisher.queueSize(queue)).toBe(7);
    await start([Lagging], 'partitions=3');
    await waitFor(() => handled === 8, { message: 'the backlog to be consumed' });
    await waitFor(async () => (await publisher.queueSize(queue)) === 0, { message: 'no lag' });
    await publisher.close();
  });
});
