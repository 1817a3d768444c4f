import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  ACK,
  Consumer,
  DeadLetterHeaders,
  type InboundMessage,
  type MessageContext,
  Retry,
  Subscribe,
  Switchyard,
  UnknownQueueError,
  freshAttempt,
  replayDeadLetters,
  silentLogger,
} from '@switchyard/core';
import { Recorder, outgoingMessage, subscriptionSpec, waitFor } from '@switchyard/testing';
import { type ConfirmChannel, connect } from 'amqplib';
import { deleteFromQueue } from './dead-letter-deletion';
import { PublishRejectedError } from './errors';
import { BROKER_URL, MANAGEMENT_URL, TestBroker, queueCounts } from './testing/broker';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');

const broker = new TestBroker();
const transport = broker.transport({ management: MANAGEMENT_URL });
let counter = 0;
const names = () => {
  counter++;
  return { queue: `${broker.id}.q${counter}`, topic: `${broker.id}.t${counter}.happened` };
};

beforeAll(() => transport.connect());
afterAll(async () => {
  await transport.close();
  await broker.cleanup();
});

/** Declares `queue` and its DLQ the way a subscription does, with nobody consuming. */
async function declare(queue: string, topic: string): Promise<void> {
  await (await transport.subscribe(subscriptionSpec(queue, [topic]), async () => ACK)).close();
}

/** Stores dead letters straight into `<queue>.dlq`, as the subscriber would, in this order. */
async function storeDeadLetters(queue: string, topic: string, ids: readonly string[]) {
  await broker.withConfirmChannel(async (channel: ConfirmChannel) => {
    for (const id of ids) {
      channel.sendToQueue(`${queue}.dlq`, Buffer.from(JSON.stringify({ id })), {
        messageId: id,
        persistent: true,
        headers: {
          [DeadLetterHeaders.reason]: 'Error',
          [DeadLetterHeaders.originalTopic]: topic,
          'x-swy-topic': topic,
        },
      });
    }
    await channel.waitForConfirms();
  });
}

async function deadLetterIds(queue: string): Promise<string[]> {
  return (await transport.peekDeadLetters(queue, 1_000)).map((letter) => letter.id);
}

describe('RabbitMQ dead-letter management', () => {
  it('redelivers into one queue alone, as a first attempt with topic, key and headers', async () => {
    const { queue, topic } = names();
    const other = `${queue}-other`;
    await declare(other, topic);
    const seen: InboundMessage[] = [];
    const subscription = await transport.subscribe(
      subscriptionSpec(queue, [topic]),
      async (message) => {
        seen.push(message);
        return ACK;
      },
    );
    await transport.redeliver(
      queue,
      outgoingMessage(
        topic,
        { n: 1 },
        {
          id: 'again-1',
          key: 'k-1',
          headers: {
            'content-type': 'application/json',
            'correlation-id': 'c-1',
            'tenant-id': 't-1',
            'x-death': '[{"count":1,"reason":"expired"}]',
            'x-first-death-reason': 'expired',
          },
        },
      ),
    );
    const [message] = await waitFor(() => (seen.length === 1 ? seen : undefined));
    expect(message).toMatchObject({ id: 'again-1', topic, key: 'k-1', attempt: 1, queue });
    expect(message!.headers).toEqual({
      'content-type': 'application/json',
      'correlation-id': 'c-1',
      'tenant-id': 't-1',
    });
    // Confirmed before redeliver resolved: had it gone to the topic, the other queue would hold it.
    expect(await transport.queueSize(other)).toBe(0);
    await subscription.close();
  });

  it('refuses to redeliver into a queue that does not exist', async () => {
    const { topic } = names();
    await expect(
      transport.redeliver(`${broker.id}.nobody`, outgoingMessage(topic, {})),
    ).rejects.toBeInstanceOf(UnknownQueueError);
  });

  it('deletes dead letters by id, duplicates included, and keeps the others in their order', async () => {
    const { queue, topic } = names();
    await declare(queue, topic);
    const ids = Array.from({ length: 30 }, (_, index) => `letter-${index + 1}`);
    ids[20] = 'letter-3'; // the same message dead-lettered twice
    await storeDeadLetters(queue, topic, ids);
    const removed = await transport.deleteDeadLetters(queue, [
      'letter-3',
      'letter-10',
      'letter-11',
      'letter-30',
      'not-there',
    ]);
    expect(removed).toBe(5);
    const kept = ids.filter(
      (id) => !['letter-3', 'letter-10', 'letter-11', 'letter-30'].includes(id),
    );
    expect(await deadLetterIds(queue)).toEqual(kept);
    expect(await queueCounts(`${queue}.dlq`)).toEqual({ ready: 25, unacked: 0 });
    expect(await transport.deleteDeadLetters(queue, [])).toBe(0);
    await expect(transport.deleteDeadLetters(`${broker.id}.nobody`, ['x'])).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
  });

  it('loses and reorders nothing when the process dies in the middle of a deletion', async () => {
    const { queue, topic } = names();
    await declare(queue, topic);
    const ids = Array.from({ length: 20 }, (_, index) => `letter-${index + 1}`);
    await storeDeadLetters(queue, topic, ids);
    const model = await connect(BROKER_URL);
    model.on('error', () => undefined);
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    const socket = (model as unknown as { connection: { stream: { destroy(error: Error): void } } })
      .connection.stream;
    const get = channel.get.bind(channel);
    let reads = 0;
    channel.get = (name, options) => {
      // After 12 reads the socket goes, as when the process is killed: no close handshake.
      if (++reads === 13) socket.destroy(new Error('killed'));
      return get(name, options);
    };
    await expect(
      deleteFromQueue(channel, `${queue}.dlq`, new Set(['letter-2', 'letter-5', 'letter-18'])),
    ).rejects.toThrow();
    // letter-2 and letter-5 were acknowledged before the crash; letter-18 was never reached.
    const kept = ids.filter((id) => id !== 'letter-2' && id !== 'letter-5');
    await waitFor(async () => (await queueCounts(`${queue}.dlq`)).ready === kept.length, {
      message: 'the held dead letters back in the queue',
    });
    expect(await deadLetterIds(queue)).toEqual(kept);
  });

  it('gives a dead letter without message_id an id that holds across reads, so it can be deleted', async () => {
    const { queue, topic } = names();
    await declare(queue, topic);
    await broker.withConfirmChannel(async (channel) => {
      channel.sendToQueue(`${queue}.dlq`, Buffer.from('{"from":"elsewhere"}'));
      await channel.waitForConfirms();
    });
    const [first] = await deadLetterIds(queue);
    expect(first).toMatch(/^rabbitmq-[0-9a-f]{32}$/);
    expect(await deadLetterIds(queue)).toEqual([first]);
    expect(await transport.deleteDeadLetters(queue, [first!])).toBe(1);
    expect(await deadLetterIds(queue)).toEqual([]);
  });

  it('purges a DLQ and says how many dead letters it removed', async () => {
    const { queue, topic } = names();
    await declare(queue, topic);
    await storeDeadLetters(queue, topic, ['p-1', 'p-2', 'p-3']);
    expect(await transport.purgeDeadLetters(queue)).toBe(3);
    expect(await transport.peekDeadLetters(queue, 10)).toEqual([]);
    await expect(transport.purgeDeadLetters(`${broker.id}.nobody`)).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
    expect(await transport.peekDeadLetters(`${broker.id}.nobody`, 10)).toEqual([]);
  });
});

describe('RabbitMQ dead-letter replay', () => {
  const group = `${broker.id}-ledger`;
  const queue = `${group}.record`;
  const topic = `${broker.id}.payments.captured`;
  const handled = new Recorder<{ n: number }>();
  let broken = true;
  let app: Switchyard;

  @Consumer({ group })
  class Ledger {
    @Subscribe(topic)
    @Retry({ attempts: 2, backoff: { initialMs: 10, jitter: 0 } })
    record(payment: { n: number }, ctx: MessageContext) {
      if (broken) throw new Error(`ledger database is down (payment ${payment.n})`);
      handled.record(payment, ctx);
    }
  }

  beforeAll(async () => {
    app = await Switchyard.create({
      transport: broker.transport(),
      consumers: [Ledger],
      logger: silentLogger,
    });
    await app.start();
    for (let n = 1; n <= 3; n++) await app.bus.publish(topic, { n }, { messageId: `pay-${n}` });
    await waitFor(async () => (await deadLetterIds(queue)).length === 3, {
      message: '3 dead letters',
    });
  });

  afterAll(() => app.stop());

  it('replays a dead letter as a first attempt once its handler is fixed, and removes it', async () => {
    broken = false;
    const [first] = await transport.peekDeadLetters(queue, 1);
    expect(first!.headers[DeadLetterHeaders.attempts]).toBe('2');
    expect(await replayDeadLetters(transport, queue, [first!])).toEqual(['pay-1']);
    const [entry] = await handled.waitForCount(1, 5_000);
    expect(entry!.payload).toEqual({ n: 1 });
    expect(entry!.ctx.attempt).toBe(1);
    expect(entry!.ctx.headers[DeadLetterHeaders.reason]).toBeUndefined();
    expect(entry!.ctx.headers['x-death']).toBeUndefined();
    expect(await deadLetterIds(queue)).toEqual(['pay-2', 'pay-3']);
  });

  it('leaves a dead letter in place when its redelivery is refused', async () => {
    const refusing = `${broker.id}.refusing`;
    broker.queues.add(refusing);
    await broker.withChannel(async (channel) => {
      await channel.assertQueue(`${refusing}.dlq`, { durable: true });
      await channel.assertQueue(refusing, {
        durable: true,
        arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
      });
    });
    await storeDeadLetters(refusing, topic, ['refused-1']);
    const letters = await transport.peekDeadLetters(refusing, 10);
    await expect(replayDeadLetters(transport, refusing, letters)).rejects.toBeInstanceOf(
      PublishRejectedError,
    );
    expect(await deadLetterIds(refusing)).toEqual(['refused-1']);
    expect(freshAttempt(letters[0]!).topic).toBe(topic);
  });

  it('lists the queues with a DLQ through the management API, and says it cannot without it', async () => {
    const listed = await transport.listDeadLetterQueues();
    const ours = listed!.filter((name) => name.startsWith(broker.id));
    expect(ours).toContain(queue);
    // Declared by hand without dead-lettering to its .dlq: not a Switchyard queue.
    expect(ours).not.toContain(`${broker.id}.refusing`);
    expect(ours.some((name) => name.endsWith('.dlq'))).toBe(false);
    const plain = broker.transport();
    await plain.connect();
    expect(await plain.listDeadLetterQueues()).toBeUndefined();
    await plain.close();
  });

  it('serves `switchyard dlq list` from the built CLI binary', async () => {
    await run('npx', ['tsc', '-b', 'packages/cli', 'packages/transport-rabbitmq'], { cwd: ROOT });
    const cli = (...argv: string[]) =>
      run('node', ['packages/cli/bin/switchyard.js', 'dlq', 'list', ...argv], { cwd: ROOT });
    const url = broker.url({ management: MANAGEMENT_URL });
    const byQueue = await cli('--transport', url, '--queue', queue, '--json');
    const letters = JSON.parse(byQueue.stdout) as Array<{ id: string; attempts: number }>;
    expect(letters.map((letter) => [letter.id, letter.attempts])).toEqual([
      ['pay-2', 2],
      ['pay-3', 2],
    ]);
    const byGroup = await cli('--transport', url, '--group', group);
    const rows = byGroup.stdout.trimEnd().split('\n').slice(2);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      [queue, 'pay-2'],
      [queue, 'pay-3'],
    ]);
  }, 120_000);
});
