import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  Consumer,
  type MessageContext,
  Subscribe,
  Switchyard,
  silentLogger,
} from '@switchyard/core';
import { Recorder } from '@switchyard/testing';
import type { ConsumeMessage } from 'amqplib';
import { BROKER_URL, TestBroker } from './testing/broker';

const run = promisify(execFile);
const broker = new TestBroker();
const apps: Switchyard[] = [];

async function start(consumers: (new () => object)[]): Promise<Switchyard> {
  const app = await Switchyard.create({
    transport: broker.transport(),
    consumers,
    logger: silentLogger,
    queueSizeIntervalMs: 0,
  });
  apps.push(app);
  await app.start();
  return app;
}

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await broker.cleanup();
});

describe('RabbitMQ interoperability', () => {
  it('delivers a JSON message published with the amqp-publish command to a handler', async () => {
    const topic = `${broker.id}.orders.imported`;
    const seen = new Recorder<{ orderId: string }>();
    @Consumer({ group: `${broker.id}.importer` })
    class Importer {
      @Subscribe(topic)
      handle(payload: { orderId: string }, ctx: MessageContext) {
        seen.record(payload, ctx);
      }
    }
    await start([Importer]);
    const url = new URL(BROKER_URL);
    await run('amqp-publish', [
      `--url=amqp://${url.username}:${url.password}@${url.hostname}:${url.port || 5672}`,
      '-e',
      broker.exchange,
      '-r',
      topic,
      '-b',
      '{"orderId":"1"}',
    ]);
    const [handled] = await seen.waitForCount(1, 10_000);
    expect(handled!.payload).toEqual({ orderId: '1' });
    expect(handled!.ctx.topic).toBe(topic);
    expect(handled!.ctx.attempt).toBe(1);
    expect(handled!.ctx.message.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('publishes messages a plain amqplib consumer reads through standard AMQP properties', async () => {
    const topic = `${broker.id}.orders.created`;
    const queue = `${broker.id}.raw-reader`;
    broker.queues.add(queue);
    const received = await broker.withChannel(async (channel) => {
      await channel.assertQueue(queue, { durable: false });
      await channel.bindQueue(queue, broker.exchange, topic);
      const app = await start([]);
      await app.bus.publish(
        topic,
        { orderId: 'o-1' },
        {
          key: 'customer-7',
          messageId: 'msg-1',
          correlationId: 'corr-1',
          priority: 4,
          headers: { 'x-tenant': 'acme' },
        },
      );
      return new Promise<ConsumeMessage>((resolve) => {
        void channel.consume(queue, (message) => message && resolve(message), { noAck: true });
      });
    });
    const { properties, fields } = received;
    expect(fields.routingKey).toBe(topic);
    expect(JSON.parse(received.content.toString('utf8'))).toEqual({ orderId: 'o-1' });
    expect(properties).toMatchObject({
      messageId: 'msg-1',
      correlationId: 'corr-1',
      contentType: 'application/json',
      type: topic,
      priority: 4,
      deliveryMode: 2,
    });
    expect(Math.abs(properties.timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(properties.headers).toMatchObject({ 'x-tenant': 'acme', 'x-swy-key': 'customer-7' });
    expect(properties.headers!.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('takes an RPC reply from a plain amqplib responder that answers to reply_to', async () => {
    const topic = `${broker.id}.quotes.ask`;
    const queue = `${broker.id}.raw-responder`;
    broker.queues.add(queue);
    const channel = await (await broker.rawConnection()).createChannel();
    await channel.assertQueue(queue, { durable: false });
    await channel.bindQueue(queue, broker.exchange, topic);
    await channel.consume(queue, (request) => {
      if (!request) return;
      const { items } = JSON.parse(request.content.toString('utf8')) as { items: number };
      channel.publish(
        '',
        request.properties.replyTo as string,
        Buffer.from(JSON.stringify({ total: items * 10 })),
        {
          correlationId: request.properties.correlationId as string,
          contentType: 'application/json',
        },
      );
      channel.ack(request);
    });
    const app = await start([]);
    await expect(app.bus.request(topic, { items: 3 }, { timeoutMs: 5_000 })).resolves.toEqual({
      total: 30,
    });
    await channel.close();
  });
});
