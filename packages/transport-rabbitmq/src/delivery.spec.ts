import {
  ACK,
  DeadLetterHeaders,
  type InboundMessage,
  NoRouteError,
  type Settlement,
} from '@switchyard/core';
import { outgoingMessage, subscriptionSpec, waitFor } from '@switchyard/testing';
import { TestBroker, listQueues, queueCounts } from './testing/broker';

const broker = new TestBroker();
const transport = broker.transport();
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

/** A promise resolved from outside. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('RabbitMQ delivery', () => {
  it('has a confirmed publish in the queue when publish resolves', async () => {
    const { queue, topic } = names();
    await (await transport.subscribe(subscriptionSpec(queue, [topic]), async () => ACK)).close();
    await transport.publish(outgoingMessage(topic, { n: 1 }));
    await transport.publish(outgoingMessage(topic, { n: 2 }));
    expect(await transport.queueSize(queue)).toBe(2);
    expect(await transport.queueSize(`${broker.id}.no-such-queue`)).toBeUndefined();
  });

  it('rejects a mandatory publish nobody is bound to with NoRouteError, and accepts a plain one', async () => {
    const topic = `${broker.id}.nobody.listens`;
    await expect(
      transport.publish(outgoingMessage(topic, {}), { mandatory: true }),
    ).rejects.toThrow(NoRouteError);
    await expect(transport.publish(outgoingMessage(topic, {}))).resolves.toBeUndefined();
  });

  it('retries through a delay queue without holding up the messages behind', async () => {
    const { queue, topic } = names();
    const seen: string[] = [];
    const handler = async (message: InboundMessage): Promise<Settlement> => {
      const { n } = JSON.parse(message.body.toString('utf8')) as { n: string };
      seen.push(`${n}@${message.attempt}`);
      if (n === 'a' && message.attempt === 1) {
        return { kind: 'retry', delayMs: 1_000, headers: { 'swy-first-failure-at': 'then' } };
      }
      return ACK;
    };
    const subscription = await transport.subscribe(subscriptionSpec(queue, [topic]), handler);
    await transport.publish(outgoingMessage(topic, { n: 'a' }));
    await transport.publish(outgoingMessage(topic, { n: 'b' }));
    await waitFor(() => seen.includes('b@1'), { message: 'b handled' });
    expect(seen).not.toContain('a@2');
    await waitFor(() => seen.includes('a@2'), { message: 'a retried' });
    expect(seen).toEqual(['a@1', 'b@1', 'a@2']);
    expect((await listQueues(`${broker.exchange}.retry.1000`)).length).toBe(1);
    await subscription.close();
  });

  it('dead-letters with its reason headers next to x-death, acks the original, and peeks without removing', async () => {
    const { queue, topic } = names();
    const handler = async (message: InboundMessage): Promise<Settlement> =>
      message.attempt === 1
        ? { kind: 'retry', delayMs: 10, headers: {} }
        : { kind: 'dead-letter', headers: { [DeadLetterHeaders.reason]: 'TypeError' } };
    const subscription = await transport.subscribe(subscriptionSpec(queue, [topic]), handler);
    await transport.publish(outgoingMessage(topic, { n: 1 }, { id: 'dead-1', key: 'k-1' }));
    const letters = await waitFor(async () => {
      const found = await transport.peekDeadLetters(queue, 10);
      return found.length === 1 ? found : undefined;
    });
    const [letter] = letters;
    expect(letter!.id).toBe('dead-1');
    expect(letter!.topic).toBe(topic);
    expect(letter!.key).toBe('k-1');
    expect(letter!.headers[DeadLetterHeaders.reason]).toBe('TypeError');
    expect(JSON.parse(letter!.headers['x-death']!)).toEqual([
      expect.objectContaining({ reason: 'expired', queue: `${broker.exchange}.retry.10` }),
    ]);
    expect((await transport.peekDeadLetters(queue, 10)).map((l) => l.id)).toEqual(['dead-1']);
    await subscription.close();
    expect(await queueCounts(queue)).toEqual({ ready: 0, unacked: 0 });
    expect(await queueCounts(`${queue}.dlq`)).toEqual({ ready: 1, unacked: 0 });
  });

  it('runs at most `concurrency` handlers and fetches at most `prefetch` messages', async () => {
    const { queue, topic } = names();
    const release = gate();
    let running = 0;
    let most = 0;
    let done = 0;
    const handler = async (): Promise<Settlement> => {
      most = Math.max(most, ++running);
      await release.promise;
      running--;
      done++;
      return ACK;
    };
    const spec = subscriptionSpec(queue, [topic], { concurrency: 3, prefetch: 5 });
    const subscription = await transport.subscribe(spec, handler);
    for (let n = 0; n < 12; n++) await transport.publish(outgoingMessage(topic, { n }));
    await waitFor(async () => (await queueCounts(queue)).unacked === 5, {
      message: '5 unacknowledged',
    });
    expect(running).toBe(3);
    release.open();
    await waitFor(() => done === 12, { message: 'all handled' });
    expect(most).toBe(3);
    await subscription.close();
  });

  it('acknowledges an at-most-once message before its handler finishes', async () => {
    const { queue, topic } = names();
    const release = gate();
    let started = false;
    const handler = async (): Promise<Settlement> => {
      started = true;
      await release.promise;
      return ACK;
    };
    const spec = subscriptionSpec(queue, [topic], { ackMode: 'before-handler', maxAttempts: 1 });
    const subscription = await transport.subscribe(spec, handler);
    await transport.publish(outgoingMessage(topic, {}));
    await waitFor(() => started, { message: 'handler started' });
    expect(await queueCounts(queue)).toEqual({ ready: 0, unacked: 0 });
    release.open();
    await subscription.close();
  });

  it('gives back fetched messages no handler started when the subscription closes', async () => {
    const { queue, topic } = names();
    const release = gate();
    let calls = 0;
    const handler = async (): Promise<Settlement> => {
      calls++;
      await release.promise;
      return ACK;
    };
    const spec = subscriptionSpec(queue, [topic], { concurrency: 1, prefetch: 5 });
    const subscription = await transport.subscribe(spec, handler);
    for (let n = 0; n < 5; n++) await transport.publish(outgoingMessage(topic, { n }));
    await waitFor(async () => (await queueCounts(queue)).unacked === 5);
    const closed = subscription.close();
    release.open();
    await closed;
    expect(calls).toBe(1);
    expect(await queueCounts(queue)).toEqual({ ready: 4, unacked: 0 });
  });

  it('counts a message a clean close gave back unseen as one more attempt, however often (classic queue)', async () => {
    const { queue, topic } = names();
    const spec = subscriptionSpec(queue, [topic], { concurrency: 1, prefetch: 5 });
    await (await transport.subscribe(spec, async () => ACK)).close();
    for (let n = 0; n < 3; n++)
      await transport.publish(outgoingMessage(topic, { n }, { id: `m-${n}` }));
    const seen: string[] = [];
    // Each round, the first message holds the only handler slot while the others are fetched;
    // the close gives those back. RabbitMQ flags a requeued message `redelivered`, and a classic
    // queue keeps no count: m-1 was given back once, m-2 twice.
    for (const waiting of [3, 2]) {
      const release = gate();
      const subscription = await transport.subscribe(spec, async (message) => {
        seen.push(`${message.id}@${message.attempt}`);
        await release.promise;
        return ACK;
      });
      await waitFor(async () => (await queueCounts(queue)).unacked === waiting, {
        message: () => `${waiting} unacked; seen ${seen.join()}`,
      });
      const closed = subscription.close();
      release.open();
      await closed;
    }
    const last = await transport.subscribe(spec, async (message) => {
      seen.push(`${message.id}@${message.attempt}`);
      return ACK;
    });
    await waitFor(() => seen.length === 3, { message: 'all three handled' });
    await last.close();
    expect(seen).toEqual(['m-0@1', 'm-1@2', 'm-2@2']);
  });

  it('delivers a delayed publish through a delay queue no earlier than asked', async () => {
    const { queue, topic } = names();
    let handledAt = 0;
    const subscription = await transport.subscribe(subscriptionSpec(queue, [topic]), async () => {
      handledAt = Date.now();
      return ACK;
    });
    const sentAt = Date.now();
    await transport.publish(outgoingMessage(topic, {}, { delayMs: 300 }));
    expect((await listQueues(`${broker.exchange}.delay.300`)).length).toBe(1);
    await waitFor(() => handledAt > 0, { message: 'delayed message' });
    expect(handledAt - sentAt).toBeGreaterThanOrEqual(300);
    await subscription.close();
  });
});

describe('RabbitMQ delivery when its queues are deleted under it', () => {
  it('declares a deleted DLQ or retry queue again instead of losing the message', async () => {
    const { queue, topic } = names();
    let calls = 0;
    const handler = async (message: InboundMessage): Promise<Settlement> => {
      calls++;
      return message.attempt === 1
        ? { kind: 'retry', delayMs: 15, headers: {} }
        : { kind: 'dead-letter', headers: { [DeadLetterHeaders.reason]: 'Gone' } };
    };
    const subscription = await transport.subscribe(subscriptionSpec(queue, [topic]), handler);
    await transport.publish(outgoingMessage(topic, {}, { id: 'warm-up' }));
    await waitFor(async () => (await transport.peekDeadLetters(queue, 5)).length === 1);
    await broker.withChannel(async (channel) => {
      await channel.deleteQueue(`${queue}.dlq`);
      await channel.deleteQueue(`${broker.exchange}.retry.15`);
    });
    await transport.publish(outgoingMessage(topic, {}, { id: 'survivor' }));
    const letters = await waitFor(async () => {
      const found = await transport.peekDeadLetters(queue, 5).catch(() => []);
      return found.length === 1 ? found : undefined;
    });
    expect(letters.map((letter) => letter.id)).toEqual(['survivor']);
    expect(calls).toBeGreaterThanOrEqual(4);
    await subscription.close();
  });
});
