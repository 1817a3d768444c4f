import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Consumer,
  Headers,
  type MessageContext,
  RpcHandler,
  Subscribe,
  type Switchyard,
} from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import type { KafkaMessage } from 'kafkajs';
import {
  BrokerCleanup,
  KAFKA_BROKERS,
  PARTITIONER,
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
const ROOT = resolve(__dirname, '../../..');

/** Kafka's own console producer, run from the broker's jars by the project's script. */
function consoleProducer(topic: string, lines: string): void {
  execFileSync(
    'bash',
    [
      'scripts/brokers/kafka.sh',
      'console-producer',
      '--bootstrap-server',
      KAFKA_BROKERS,
      '--topic',
      topic,
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=|',
      '--property',
      'parse.headers=true',
    ],
    { cwd: ROOT, input: lines },
  );
}

async function start(consumers: Parameters<typeof startApp>[1]) {
  const transport = cleanup.transport();
  const app = await startApp(transport, consumers);
  apps.push(app);
  return { app, transport };
}

/** Reads `count` records of `topic` with a plain kafkajs consumer. */
async function readRaw(topic: string, count: number): Promise<KafkaMessage[]> {
  const groupId = name('raw-reader');
  cleanup.group(groupId);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const records: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void records.push(message) });
  await waitFor(() => records.length >= count, { message: `${count} raw record(s) of ${topic}` });
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

describe('records as other Kafka clients see them', () => {
  it('writes the key as record key, the publish time as timestamp and every header as a plain string header', async () => {
    const topic = name('orders.created');
    const { app } = await start([]);
    const before = Date.now();
    await app.bus.publish(
      topic,
      { orderId: 'o-1' },
      {
        key: 'customer-7',
        messageId: 'msg-1',
        correlationId: 'corr-1',
        headers: { 'x-tenant': 'acme' },
      },
    );
    const [record] = await readRaw(topic, 1);
    expect(record!.key?.toString()).toBe('customer-7');
    expect(JSON.parse(record!.value!.toString())).toEqual({ orderId: 'o-1' });
    expect(Number(record!.timestamp)).toBeGreaterThanOrEqual(before);
    const headers = Object.fromEntries(
      Object.entries(record!.headers ?? {}).map(([k, v]) => [k, String(v)]),
    );
    expect(headers).toMatchObject({
      [Headers.messageId]: 'msg-1',
      [Headers.correlationId]: 'corr-1',
      [Headers.contentType]: 'application/json',
      'x-tenant': 'acme',
    });
    expect(headers[Headers.traceparent]).toMatch(/^00-/);
  });

  it('delivers a keyed JSON record from a plain kafkajs producer, with an id taken from its position', async () => {
    const topic = name('orders.imported');
    const seen: MessageContext[] = [];
    @Consumer({ group: name('importer') })
    class Importer {
      @Subscribe(topic)
      handle(_payload: unknown, ctx: MessageContext) {
        seen.push(ctx);
      }
    }
    await start([Importer]);
    const producer = kafka.producer({ createPartitioner: PARTITIONER });
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: 'legacy-key', value: '{"orderId":"legacy-1"}' }],
    });
    await producer.disconnect();
    await waitFor(() => seen.length === 1, { message: 'the plain record' });
    const { message } = seen[0]!;
    expect(message.key).toBe('legacy-key');
    expect(message.attempt).toBe(1);
    expect(message.id).toMatch(new RegExp(`^${topic.replace(/\./g, '\\.')}-\\d+-0$`));
  });

  it('interoperates with kcat: records it produces are handled, records Switchyard produces it reads', async () => {
    const topic = name('orders.kcat');
    const seen: { payload: unknown; ctx: MessageContext }[] = [];
    @Consumer({ group: name('kcat-reader') })
    class Reader {
      @Subscribe(topic)
      handle(payload: unknown, ctx: MessageContext) {
        seen.push({ payload, ctx });
      }
    }
    const { app } = await start([Reader]);
    execFileSync(
      'kcat',
      ['-b', KAFKA_BROKERS, '-P', '-t', topic, '-K', ':', '-H', 'x-origin=kcat'],
      {
        input: 'k1:{"orderId":"from-kcat"}\n',
      },
    );
    await waitFor(() => seen.length === 1, { message: 'the record kcat produced' });
    expect(seen[0]!.payload).toEqual({ orderId: 'from-kcat' });
    expect(seen[0]!.ctx.key).toBe('k1');
    expect(seen[0]!.ctx.headers['x-origin']).toBe('kcat');

    await app.bus.publish(topic, { orderId: 'to-kcat' }, { key: 'k2', messageId: 'm-2' });
    const out = execFileSync(
      'kcat',
      ['-b', KAFKA_BROKERS, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k|%h|%s\n'],
      { encoding: 'utf8' },
    );
    const line = out.split('\n').find((l) => l.startsWith('k2|'));
    expect(line).toContain('message-id=m-2');
    expect(line).toContain('{"orderId":"to-kcat"}');
  });

  it("hands a JSON record from Kafka's console producer, with its key and headers, to a handler", async () => {
    const topic = name('orders.console');
    const seen: { payload: unknown; ctx: MessageContext }[] = [];
    @Consumer({ group: name('console-reader') })
    class Reader {
      @Subscribe(topic)
      handle(payload: unknown, ctx: MessageContext) {
        seen.push({ payload, ctx });
      }
    }
    await start([Reader]);
    consoleProducer(topic, 'x-origin:console-producer\tc-1|{"orderId":"from-console"}\n');
    await waitFor(() => seen.length === 1, { message: 'the record the console producer sent' });
    expect(seen[0]!.payload).toEqual({ orderId: 'from-console' });
    expect(seen[0]!.ctx.key).toBe('c-1');
    expect(seen[0]!.ctx.headers['x-origin']).toBe('console-producer');
    expect(seen[0]!.ctx.attempt).toBe(1);
  }, 60_000);
});

describe('RPC reply topics', () => {
  it('creates one reply topic per instance, and deletes it when the instance stops', async () => {
    const topic = name('billing.quote');
    @Consumer({ group: name('quotes') })
    class Quotes {
      @RpcHandler(topic)
      quote(request: { items: number }) {
        return { total: request.items * 2 };
      }
    }
    await start([Quotes]);
    const { app: client, transport } = await start([]);
    expect(await client.bus.request(topic, { items: 4 }, { timeoutMs: 10_000 })).toEqual({
      total: 8,
    });
    const inbox = `__swy.reply.${transport.instanceId}`;
    expect(await admin.listTopics()).toContain(inbox);
    await client.stop();
    await waitFor(async () => !(await admin.listTopics()).includes(inbox), {
      message: 'the reply topic to be deleted',
    });
  });

  it('drops a reply to an inbox that no longer exists, and keeps answering other callers', async () => {
    const topic = name('billing.slow');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    @Consumer({ group: name('slow'), concurrency: 2 })
    class Slow {
      @RpcHandler(topic)
      async quote() {
        if (++calls === 1) await gate;
        return { ok: true };
      }
    }
    await start([Slow]);
    const { app: gone } = await start([]);
    const abandoned = gone.bus.request(topic, {}, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await waitFor(() => calls === 1, { message: 'the first request to arrive' });
    await gone.stop(); // its inbox is deleted while its request is being handled
    await abandoned;
    release();
    const { app: caller } = await start([]);
    expect(await caller.bus.request(topic, {}, { timeoutMs: 10_000 })).toEqual({ ok: true });
  });
});
