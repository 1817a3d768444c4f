import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Retry, Subscribe, type Switchyard } from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import type { KafkaMessage } from 'kafkajs';
import {
  BrokerCleanup,
  rawKafka,
  runPrefix,
  startApp,
  useSharedBroker,
} from './test-support/kafka-test-env';

const cleanup = new BrokerCleanup();
useSharedBroker();
const kafka = rawKafka();
const admin = kafka.admin();
const prefix = runPrefix();
let counter = 0;
const apps: Switchyard[] = [];
const name = (base: string) => `${prefix}${++counter}.${base}`;

/** Reads `topic` from the beginning until `count` records arrived, as committed or uncommitted. */
async function readAll(
  topic: string,
  count: number,
  readUncommitted: boolean,
): Promise<KafkaMessage[]> {
  const groupId = name('reader');
  cleanup.group(groupId);
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
  const records: KafkaMessage[] = [];
  await waitFor(async () => (await admin.listTopics()).includes(topic), {
    message: `${topic} to exist`,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void records.push(message) });
  await waitFor(() => records.length >= count, { message: `${count} record(s) of ${topic}` });
  await consumer.disconnect();
  return records;
}

beforeAll(() => admin.connect());

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

afterAll(async () => {
  await admin.disconnect();
  await cleanup.run();
}, 30_000);

describe('exactly-once handlers', () => {
  it('writes an aborted attempt to the log but shows only the committed one to read_committed consumers', async () => {
    const input = name('payments.requested');
    const output = name('payments.captured');
    @Consumer({ group: name('capture') })
    class Capture {
      @Subscribe(input, { guarantee: 'exactly-once' })
      @Retry({ attempts: 2, backoff: { initialMs: 50, jitter: 0 } })
      async handle(payload: { id: string }, ctx: MessageContext) {
        await ctx.publish(output, { id: payload.id, attempt: ctx.attempt });
        if (ctx.attempt === 1) throw new Error('crash after publishing');
      }
    }
    const app = await startApp(cleanup.transport('partitions=1'), [Capture]);
    apps.push(app);
    await app.bus.publish(input, { id: 'p-1' });
    const everything = await readAll(output, 2, true);
    expect(everything.map((r) => JSON.parse(r.value!.toString()).attempt)).toEqual([1, 2]);
    const committed = await readAll(output, 1, false);
    expect(committed.map((r) => JSON.parse(r.value!.toString()))).toEqual([
      { id: 'p-1', attempt: 2 },
    ]);
  });

  it('publishes exactly one output per input with concurrent exactly-once handlers, and commits every input offset', async () => {
    const input = name('payments.requested');
    const output = name('payments.captured');
    const group = name('capture');
    @Consumer({ group, concurrency: 4 })
    class Capture {
      @Subscribe(input, { guarantee: 'exactly-once' })
      async handle(payload: { n: number }, ctx: MessageContext) {
        await ctx.publish(output, payload);
      }
    }
    const app = await startApp(cleanup.transport('partitions=2'), [Capture]);
    apps.push(app);
    for (let n = 0; n < 20; n++) await app.bus.publish(input, { n }, { key: `k${n % 5}` });
    const outputs = await readAll(output, 20, false);
    expect(new Set(outputs.map((r) => JSON.parse(r.value!.toString()).n)).size).toBe(20);
    await waitFor(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: `${group}.handle`, topics: [input] });
        const total = offsets!.partitions.reduce(
          (sum, p) => sum + Math.max(0, Number(p.offset)),
          0,
        );
        return total === 20;
      },
      { message: 'offsets of all 20 inputs committed' },
    );
  });
});

describe('bus.transaction()', () => {
  it('leaves the records of an aborted transaction in the log, invisible to read_committed consumers', async () => {
    const topic1 = name('topic1');
    const topic2 = name('topic2');
    const app = await startApp(cleanup.transport(), []);
    apps.push(app);
    await expect(
      app.bus.transaction(async (tx) => {
        await tx.publish(topic1, { batch: 'aborted' });
        await tx.publish(topic2, { batch: 'aborted' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await app.bus.transaction(async (tx) => {
      await tx.publish(topic1, { batch: 'committed' });
      await tx.publish(topic2, { batch: 'committed' });
    });
    for (const topic of [topic1, topic2]) {
      const raw = await readAll(topic, 2, true);
      expect(raw.map((r) => JSON.parse(r.value!.toString()).batch).sort()).toEqual([
        'aborted',
        'committed',
      ]);
      const visible = await readAll(topic, 1, false);
      expect(visible.map((r) => JSON.parse(r.value!.toString()).batch)).toEqual(['committed']);
    }
  });
});
