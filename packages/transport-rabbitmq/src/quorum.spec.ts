import { ACK, type InboundMessage, type Settlement } from '@switchyard/core';
import { outgoingMessage, subscriptionSpec, waitFor } from '@switchyard/testing';
import type { GetMessage } from 'amqplib';
import { TestBroker } from './testing/broker';

const broker = new TestBroker();
const transport = broker.transport({ reconnectInitialMs: '50' });
const quorum = { queueType: 'quorum' };

beforeAll(() => transport.connect());
afterAll(async () => {
  await transport.close();
  await broker.cleanup();
});

describe('RabbitMQ quorum queues', () => {
  it('retries on a quorum queue through the delay queues like on a classic one', async () => {
    const queue = `${broker.id}.retrying`;
    const topic = `${broker.id}.orders.placed`;
    const attempts: number[] = [];
    const handler = async (message: InboundMessage): Promise<Settlement> => {
      attempts.push(message.attempt);
      return message.attempt === 1 ? { kind: 'retry', delayMs: 20, headers: {} } : ACK;
    };
    const spec = subscriptionSpec(queue, [topic], { transportOptions: quorum });
    const subscription = await transport.subscribe(spec, handler);
    await transport.publish(outgoingMessage(topic, {}));
    await waitFor(() => attempts.length === 2);
    expect(attempts).toEqual([1, 2]);
    await subscription.close();
  });

  it('counts redeliveries with x-delivery-count after the connection drops', async () => {
    const queue = `${broker.id}.counting`;
    const topic = `${broker.id}.orders.counted`;
    const attempts: number[] = [];
    let droppedNow!: () => void;
    const dropped = new Promise<void>((resolve) => {
      droppedNow = resolve;
    });
    const handler = async (message: InboundMessage): Promise<Settlement> => {
      attempts.push(message.attempt);
      if (message.attempt === 1) await dropped;
      return ACK;
    };
    const spec = subscriptionSpec(queue, [topic], { transportOptions: quorum });
    const subscription = await transport.subscribe(spec, handler);
    await transport.publish(outgoingMessage(topic, {}));
    await waitFor(() => attempts.length === 1);
    await broker.dropConnections();
    droppedNow();
    await waitFor(() => attempts.length === 2, { message: 'the redelivery' });
    expect(attempts).toEqual([1, 2]);
    await subscription.close();
  });

  it('has RabbitMQ dead-letter a message returned more often than the delivery limit', async () => {
    const queue = `${broker.id}.limited`;
    const topic = `${broker.id}.orders.limited`;
    const spec = subscriptionSpec(queue, [topic], { maxAttempts: 2, transportOptions: quorum });
    // Declare, then leave the queue to a consumer that keeps giving the message back.
    await (await transport.subscribe(spec, async () => ACK)).close();
    await transport.publish(outgoingMessage(topic, { n: 1 }, { id: 'looping' }));
    await broker.withChannel(async (channel) => {
      for (let returns = 0; returns < 3; returns++) {
        const message = (await waitFor(() => channel.get(queue))) as GetMessage;
        channel.nack(message, false, true);
      }
    });
    const [letter] = await waitFor(async () => {
      const letters = await transport.peekDeadLetters(queue, 5);
      return letters.length === 1 ? letters : undefined;
    });
    expect(letter!.id).toBe('looping');
    expect(letter!.topic).toBe(topic);
    expect(JSON.parse(letter!.headers['x-death']!)).toEqual([
      expect.objectContaining({ reason: 'delivery_limit', queue }),
    ]);
  });
});
