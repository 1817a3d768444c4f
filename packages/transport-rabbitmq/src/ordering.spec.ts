import { ACK, type InboundMessage, type Settlement } from '@switchyard/core';
import { outgoingMessage, subscriptionSpec, waitFor } from '@switchyard/testing';
import { TestBroker } from './testing/broker';
import type { RabbitMqTransport } from './transport';

const broker = new TestBroker();
const transports: RabbitMqTransport[] = [];

async function connected(): Promise<RabbitMqTransport> {
  const transport = broker.transport();
  transports.push(transport);
  await transport.connect();
  return transport;
}

function label(message: InboundMessage): string {
  const { n } = JSON.parse(message.body.toString('utf8')) as { n: number };
  return `${message.key}${n}@${message.attempt}`;
}

afterAll(async () => {
  await Promise.all(transports.map((transport) => transport.close()));
  await broker.cleanup();
});

describe('RabbitMQ ordered subscriptions', () => {
  it('retries a keyed message in place: its key waits, other keys go on', async () => {
    const transport = await connected();
    const queue = `${broker.id}.ledger`;
    const topic = `${broker.id}.accounts.updated`;
    const seen: string[] = [];
    const handler = async (message: InboundMessage): Promise<Settlement> => {
      seen.push(label(message));
      if (label(message) === 'a0@1') return { kind: 'retry', delayMs: 300, headers: {} };
      return ACK;
    };
    const spec = subscriptionSpec(queue, [topic], { ordered: true, concurrency: 4 });
    await transport.subscribe(spec, handler);
    await transport.publish(outgoingMessage(topic, { n: 0 }, { key: 'a' }));
    await transport.publish(outgoingMessage(topic, { n: 1 }, { key: 'a' }));
    await transport.publish(outgoingMessage(topic, { n: 0 }, { key: 'b' }));
    await waitFor(() => seen.length === 4, { message: 'four deliveries' });
    expect(seen.filter((entry) => entry.startsWith('a'))).toEqual(['a0@1', 'a0@2', 'a1@1']);
    expect(seen.indexOf('b0@1')).toBeLessThan(seen.indexOf('a0@2'));
  });

  it('lets only one instance consume an ordered queue at a time; the other takes over when it stops', async () => {
    const queue = `${broker.id}.single`;
    const topic = `${broker.id}.accounts.closed`;
    const spec = subscriptionSpec(queue, [topic], { ordered: true });
    const seenBy: string[] = [];
    const first = await (
      await connected()
    ).subscribe(spec, async () => {
      seenBy.push('first');
      return ACK;
    });
    const second = await (
      await connected()
    ).subscribe(spec, async () => {
      seenBy.push('second');
      return ACK;
    });
    const publisher = await connected();
    for (let n = 0; n < 4; n++)
      await publisher.publish(outgoingMessage(topic, { n }, { key: `k${n}` }));
    await waitFor(() => seenBy.length === 4);
    expect(new Set(seenBy)).toEqual(new Set(['first']));
    await first.close();
    await publisher.publish(outgoingMessage(topic, { n: 9 }, { key: 'k9' }));
    await waitFor(() => seenBy.length === 5, { message: 'the standby consumer takes over' });
    expect(seenBy[4]).toBe('second');
    await second.close();
  });
});
