import {
  ACK,
  Consumer,
  type InboundMessage,
  RpcHandler,
  type Settlement,
  Switchyard,
  TransportUnavailableError,
  silentLogger,
} from '@switchyard/core';
import { outgoingMessage, subscriptionSpec, waitFor } from '@switchyard/testing';
import { TestBroker } from './testing/broker';
import { RabbitMqTransport } from './transport';

const broker = new TestBroker();
const transports: RabbitMqTransport[] = [];
let counter = 0;
const names = () => {
  counter++;
  return { queue: `${broker.id}.q${counter}`, topic: `${broker.id}.t${counter}.happened` };
};

async function connected(extra: Record<string, string> = {}): Promise<RabbitMqTransport> {
  const transport = broker.transport({ reconnectInitialMs: '50', ...extra });
  transports.push(transport);
  await transport.connect();
  return transport;
}

function numbers(seen: InboundMessage[]): number[] {
  return seen.map((m) => (JSON.parse(m.body.toString('utf8')) as { n: number }).n);
}

afterAll(async () => {
  await Promise.all(transports.map((transport) => transport.close()));
  await broker.cleanup();
});

describe('RabbitMQ reconnection', () => {
  it('holds publishes during an outage and resumes consuming after it', async () => {
    const transport = await connected({ reconnectInitialMs: '300' });
    const { queue, topic } = names();
    const seen: InboundMessage[] = [];
    await transport.subscribe(subscriptionSpec(queue, [topic]), async (message) => {
      seen.push(message);
      return ACK;
    });
    await transport.publish(outgoingMessage(topic, { n: 0 }));
    await waitFor(() => seen.length === 1);
    await broker.dropConnections();
    for (let n = 1; n <= 5; n++) await transport.publish(outgoingMessage(topic, { n }));
    await waitFor(() => seen.length >= 6, { message: 'messages after the outage' });
    expect(new Set(numbers(seen))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
  });

  it('fails a publish with TransportUnavailableError when the outage outlasts publishWaitMs', async () => {
    const transport = await connected({ reconnectInitialMs: '3000', publishWaitMs: '200' });
    const { topic } = names();
    await transport.publish(outgoingMessage(topic, {}));
    await broker.dropConnections();
    const startedAt = Date.now();
    await expect(transport.publish(outgoingMessage(topic, {}))).rejects.toThrow(
      TransportUnavailableError,
    );
    expect(Date.now() - startedAt).toBeLessThan(2_500);
  });

  it('has the broker redeliver an unacknowledged message after the drop, counting the attempt', async () => {
    const transport = await connected();
    const { queue, topic } = names();
    const attempts: number[] = [];
    let droppedNow!: () => void;
    const dropped = new Promise<void>((resolve) => {
      droppedNow = resolve;
    });
    await transport.subscribe(subscriptionSpec(queue, [topic]), async (message) => {
      attempts.push(message.attempt);
      // The first delivery never settles before its channel is gone.
      if (message.attempt === 1) await dropped;
      return ACK;
    });
    await transport.publish(outgoingMessage(topic, { n: 1 }));
    await waitFor(() => attempts.length === 1);
    await broker.dropConnections();
    droppedNow();
    await waitFor(() => attempts.length === 2, { message: 'the redelivery' });
    expect(attempts).toEqual([1, 2]);
  });

  it('declares its queue again and resumes when the queue is deleted under it', async () => {
    const transport = await connected();
    const { queue, topic } = names();
    const seen: InboundMessage[] = [];
    await transport.subscribe(
      subscriptionSpec(queue, [topic]),
      async (message): Promise<Settlement> => {
        seen.push(message);
        return ACK;
      },
    );
    await broker.withChannel((channel) => channel.deleteQueue(queue));
    await waitFor(async () => (await transport.queueSize(queue)) !== undefined, {
      message: 'the queue declared again',
    });
    await transport.publish(outgoingMessage(topic, { n: 7 }), { mandatory: true });
    await waitFor(() => seen.length === 1);
    expect(numbers(seen)).toEqual([7]);
  });

  it('answers requests made after the reply inbox was reopened on a new connection', async () => {
    const topic = `${broker.id}.quote.ask`;
    @Consumer({ group: `${broker.id}.quotes` })
    class Quotes {
      @RpcHandler(topic)
      quote(request: { items: number }) {
        return { total: request.items * 10 };
      }
    }
    const server = await Switchyard.create({
      transport: await connected(),
      consumers: [Quotes],
      logger: silentLogger,
      queueSizeIntervalMs: 0,
    });
    const client = await Switchyard.create({
      transport: await connected(),
      logger: silentLogger,
      queueSizeIntervalMs: 0,
    });
    await server.start();
    await client.start();
    expect(await client.bus.request(topic, { items: 1 }, { timeoutMs: 5_000 })).toEqual({
      total: 10,
    });
    await broker.dropConnections();
    await waitFor(
      () =>
        client.bus
          .request(topic, { items: 2 }, { timeoutMs: 500 })
          .then((reply) => (reply as { total: number }).total === 20)
          .catch(() => false),
      { timeoutMs: 15_000, message: 'a reply after the reconnect' },
    );
    await client.stop();
    await server.stop();
  });
});

describe('RabbitMQ connection failures', () => {
  it('fails connect() with TransportUnavailableError when nothing listens, and can try again', async () => {
    const transport = new RabbitMqTransport('amqp://guest:guest@127.0.0.1:1');
    await expect(transport.connect()).rejects.toThrow(TransportUnavailableError);
    await expect(transport.connect()).rejects.toThrow(/127\.0\.0\.1:1/);
    expect(() => transport.publish(outgoingMessage('a.b', {}))).toThrow(TransportUnavailableError);
  });
});
