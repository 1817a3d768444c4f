import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Consumer,
  DeadLetterHeaders,
  FIRST_FAILURE_HEADER,
  type MessageContext,
  Retry,
  Subscribe,
  type Switchyard,
  UnknownQueueError,
  replayDeadLetters,
} from '@switchyard/core';
import { Recorder, outgoingMessage, waitFor } from '@switchyard/testing';
import type { IHeaders } from 'kafkajs';
import { KafkaHeaders } from './headers';
import {
  BrokerCleanup,
  PARTITIONER,
  rawKafka,
  runPrefix,
  startApp,
  testUrl,
  useSharedBroker,
} from './test-support/kafka-test-env';
import { Topology } from './topology';

const execFileAsync = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const cleanup = new BrokerCleanup();
useSharedBroker();
const raw = rawKafka();
const admin = raw.admin();
const producer = raw.producer({ createPartitioner: PARTITIONER });
const topology = new Topology('__swy');
const prefix = runPrefix();
let counter = 0;
const name = (base: string) => `${prefix}${++counter}.${base}`;
const transport = cleanup.transport();
const apps: Switchyard[] = [];

beforeAll(async () => {
  await Promise.all([admin.connect(), producer.connect(), transport.connect()]);
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await Promise.all([admin.disconnect(), producer.disconnect(), transport.close()]);
  await cleanup.run();
}, 60_000);

async function start(consumers: Parameters<typeof startApp>[1]): Promise<Switchyard> {
  const app = await startApp(cleanup.transport('partitions=1'), consumers);
  apps.push(app);
  return app;
}

/** Creates `queue`'s dead-letter topic (one partition, as the transport does) and its records. */
async function storeDeadLetters(
  queue: string,
  letters: ReadonlyArray<{ readonly id?: string; readonly headers?: IHeaders }>,
): Promise<string> {
  const topic = topology.deadLetterTopic(queue);
  cleanup.topic(topic);
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  await producer.send({
    topic,
    acks: -1,
    messages: letters.map(({ id, headers }) => ({
      value: JSON.stringify({ id: id ?? null }),
      headers: {
        ...(id === undefined ? {} : { 'message-id': id }),
        [DeadLetterHeaders.reason]: 'Error',
        [DeadLetterHeaders.originalTopic]: 'files.archived',
        ...headers,
      },
    })),
  });
  return topic;
}

const withIds = (ids: readonly string[]) => ids.map((id) => ({ id }));

async function deadLetterIds(queue: string): Promise<string[]> {
  return (await transport.peekDeadLetters(queue, 10_000)).map((letter) => letter.id);
}

/** Records in `topic` now, copies included: what a Kafka tool would count. */
async function recordsIn(topic: string): Promise<number> {
  const [{ low, high }] = await admin.fetchTopicOffsets(topic);
  return Number(high) - Number(low);
}

describe('Kafka dead-letter management', () => {
  it('redelivers into one queue alone, as a first attempt with its topic, key and headers', async () => {
    const topic = name('parcels.sent');
    const target = name('target');
    const bystander = name('bystander');
    const seen = new Recorder<unknown>();
    const others = new Recorder<unknown>();
    const app = await start([seen.consumer(target, topic), others.consumer(bystander, topic)]);
    await transport.redeliver(
      `${target}.handle`,
      outgoingMessage(
        topic,
        { n: 1 },
        {
          id: 'again-1',
          key: 'k-1',
          headers: { 'content-type': 'application/json', 'tenant-id': 't-1' },
        },
      ),
    );
    const [handled] = await seen.waitForCount(1, 20_000);
    expect(handled!.ctx.message).toMatchObject({
      id: 'again-1',
      topic,
      key: 'k-1',
      attempt: 1,
      queue: `${target}.handle`,
    });
    // On Kafka the id travels as the `message-id` header, as on every delivery.
    expect(handled!.ctx.headers).toEqual({
      'content-type': 'application/json',
      'message-id': 'again-1',
      'tenant-id': 't-1',
    });
    // Had the redelivery gone to the topic, the bystander would get it before this later one.
    await app.bus.publish(topic, { n: 2 }, { messageId: 'later' });
    await others.waitForCount(1, 20_000);
    expect(others.handled.map((entry) => entry.ctx.message.id)).toEqual(['later']);
  });

  it('refuses to redeliver into a queue never subscribed, and creates nothing', async () => {
    const queue = `${name('nobody')}.handle`;
    await expect(
      transport.redeliver(queue, outgoingMessage('parcels.lost', { n: 1 })),
    ).rejects.toBeInstanceOf(UnknownQueueError);
    expect(await admin.listTopics()).not.toContain(topology.retryTopic(queue));
  });

  it('deletes dead letters by id, duplicates included, keeping the others in order', async () => {
    const queue = `${name('archive')}.handle`;
    const ids = Array.from({ length: 60 }, (_, index) => `letter-${index + 1}`);
    ids[40] = 'letter-3'; // the same message dead-lettered twice
    const topic = await storeDeadLetters(queue, withIds(ids));
    const doomed = ['letter-1', 'letter-3', 'letter-30', 'letter-60'];
    expect(await transport.deleteDeadLetters(queue, [...doomed, 'not-there'])).toBe(5);
    const kept = ids.filter((id) => !doomed.includes(id));
    expect(await deadLetterIds(queue)).toEqual(kept);
    expect(await recordsIn(topic)).toBe(kept.length);
    // The letters the rewrite moved can be deleted in turn.
    expect(await transport.deleteDeadLetters(queue, ['letter-2'])).toBe(1);
    expect(await deadLetterIds(queue)).toEqual(kept.slice(1));
    expect(await transport.deleteDeadLetters(queue, [])).toBe(0);
  });

  it('keeps what the letters carry when a deletion moves them', async () => {
    const queue = `${name('keeper')}.handle`;
    await storeDeadLetters(queue, withIds(['gone', 'stays']));
    const [, before] = await transport.peekDeadLetters(queue, 10);
    await transport.deleteDeadLetters(queue, ['gone']);
    expect(await transport.peekDeadLetters(queue, 10)).toEqual([before]);
  });

  it('deletes a dead letter without a message id by the id peek reports for it', async () => {
    const queue = `${name('foreign')}.handle`;
    await storeDeadLetters(queue, [{}, { id: 'kept' }, {}]);
    const ids = await deadLetterIds(queue);
    expect(ids).toEqual(['files.archived@0:0', 'kept', 'files.archived@0:2']);
    expect(await transport.deleteDeadLetters(queue, ['files.archived@0:0'])).toBe(1);
    // The moved letter keeps the id of where it was first.
    expect(await deadLetterIds(queue)).toEqual(['kept', 'files.archived@0:2']);
  });

  it('shows a letter once when a rewrite stopped between its append and its cut, and tidies up on the next delete', async () => {
    const queue = `${name('crashed')}.handle`;
    // "b" (offset 1) was appended again by a rewrite that never got to cut the topic.
    const topic = await storeDeadLetters(queue, [
      { id: 'a' },
      { id: 'b' },
      { id: 'b', headers: { [KafkaHeaders.deadLetterOrigin]: '0:1' } },
    ]);
    expect(await deadLetterIds(queue)).toEqual(['a', 'b']);
    expect(await transport.deleteDeadLetters(queue, ['a'])).toBe(1);
    expect(await deadLetterIds(queue)).toEqual(['b']);
    expect(await recordsIn(topic)).toBe(1);
  });

  it('purges a queue’s dead letters and says how many it removed', async () => {
    const queue = `${name('shredder')}.handle`;
    const topic = await storeDeadLetters(queue, withIds(['p-1', 'p-2', 'p-3']));
    expect(await transport.purgeDeadLetters(queue)).toBe(3);
    expect(await transport.peekDeadLetters(queue, 10)).toEqual([]);
    expect(await recordsIn(topic)).toBe(0);
    // Letters that arrive later are kept and counted on their own.
    await producer.send({ topic, acks: -1, messages: [{ value: '{}' }] });
    expect(await transport.purgeDeadLetters(queue)).toBe(1);
  });

  it('answers 0 for a subscribed queue without dead letters, and refuses an unknown queue', async () => {
    const group = name('tidy');
    await start([new Recorder().consumer(group, name('files.tidied'))]);
    const queue = `${group}.handle`;
    expect(await transport.deleteDeadLetters(queue, ['x'])).toBe(0);
    expect(await transport.purgeDeadLetters(queue)).toBe(0);
    const unknown = `${name('nobody')}.handle`;
    await expect(transport.deleteDeadLetters(unknown, ['x'])).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
    await expect(transport.purgeDeadLetters(unknown)).rejects.toBeInstanceOf(UnknownQueueError);
    expect(await transport.peekDeadLetters(unknown, 10)).toEqual([]);
  });

  it('lists the queues that have a dead-letter topic', async () => {
    const queue = `${name('listed')}.handle`;
    await storeDeadLetters(queue, withIds(['l-1']));
    const queues = await transport.listDeadLetterQueues();
    expect(queues).toContain(queue);
    expect(queues.every((listed) => !listed.startsWith('__'))).toBe(true);
  });
});

describe('Kafka dead-letter replay', () => {
  const topic = name('payments.captured');
  const ledger = name('ledger');
  const queue = `${ledger}.record`;
  const handled = new Recorder<{ n: number }>();
  const audited = new Recorder<{ n: number }>();
  let broken = true;
  let app: Switchyard;

  @Consumer({ group: ledger })
  class Ledger {
    @Subscribe(topic)
    @Retry({ attempts: 2, backoff: { initialMs: 10, jitter: 0 } })
    record(payment: { n: number }, ctx: MessageContext) {
      if (broken) throw new Error(`ledger database is down (payment ${payment.n})`);
      handled.record(payment, ctx);
    }
  }

  @Consumer({ group: name('audit') })
  class Audit {
    @Subscribe(topic)
    record(payment: { n: number }, ctx: MessageContext) {
      audited.record(payment, ctx);
    }
  }

  beforeAll(async () => {
    app = await start([Ledger, Audit]);
    // One at a time, so the dead letters are in publish order.
    for (let n = 1; n <= 3; n++) {
      await app.bus.publish(topic, { n }, { messageId: `pay-${n}` });
      await waitFor(async () => (await deadLetterIds(queue)).length === n, {
        timeoutMs: 20_000,
        message: `dead letter ${n}`,
      });
    }
  }, 90_000);

  it('replays a dead letter to its queue alone, as a first attempt, and removes it', async () => {
    broken = false;
    const [first] = await transport.peekDeadLetters(queue, 1);
    expect(first!.headers).toMatchObject({
      [DeadLetterHeaders.attempts]: '2',
      [DeadLetterHeaders.handler]: 'Ledger.record',
    });
    expect(await replayDeadLetters(transport, queue, [first!])).toEqual(['pay-1']);
    const [entry] = await handled.waitForCount(1, 20_000);
    expect(entry!.payload).toEqual({ n: 1 });
    expect(entry!.ctx.attempt).toBe(1);
    expect(entry!.ctx.headers[DeadLetterHeaders.reason]).toBeUndefined();
    expect(entry!.ctx.headers[FIRST_FAILURE_HEADER]).toBeUndefined();
    expect(await deadLetterIds(queue)).toEqual(['pay-2', 'pay-3']);
    // Had the replay gone to the topic, audit would see payment 1 twice.
    await app.bus.publish(topic, { n: 4 });
    await audited.waitForCount(4, 20_000);
    expect(audited.payloads.map((payment) => payment.n).sort()).toEqual([1, 2, 3, 4]);
  });

  it('serves `switchyard dlq list` from the built CLI binary', async () => {
    await execFileAsync('npx', ['tsc', '-b', 'packages/cli', 'packages/transport-kafka'], {
      cwd: ROOT,
    });
    const cli = (...argv: string[]) =>
      execFileAsync(
        'node',
        ['packages/cli/bin/switchyard.js', 'dlq', 'list', '--transport', testUrl(), ...argv],
        { cwd: ROOT },
      );
    const byQueue = await cli('--queue', queue, '--json');
    const letters = JSON.parse(byQueue.stdout) as Array<{ id: string; attempts: number }>;
    expect(letters.map((letter) => [letter.id, letter.attempts])).toEqual([
      ['pay-2', 2],
      ['pay-3', 2],
    ]);
    const byGroup = await cli('--group', ledger);
    const rows = byGroup.stdout.trimEnd().split('\n').slice(2);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      [queue, 'pay-2'],
      [queue, 'pay-3'],
    ]);
  }, 120_000);

  it('replays the rest in one call and leaves the topic empty', async () => {
    const letters = await transport.peekDeadLetters(queue, 10);
    expect(await replayDeadLetters(transport, queue, letters)).toEqual(['pay-2', 'pay-3']);
    // Payment 4 of the test before went to the ledger straight away.
    await handled.waitForCount(4, 20_000);
    expect(handled.payloads.map((payment) => payment.n).sort()).toEqual([1, 2, 3, 4]);
    expect(await deadLetterIds(queue)).toEqual([]);
  });
});
