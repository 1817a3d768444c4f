/**
 * RabbitMQ: Switchyard against raw amqplib, in the same run on the same broker, doing the same
 * work — persistent JSON messages, publisher confirms with the same number in flight, manual
 * acks with the same prefetch.
 *
 * - publish (confirmed): N publishes, at most WINDOW unconfirmed at once.
 * - consume + ack (backlog): a queue holding N messages is drained; each message is decoded,
 *   handled and acknowledged. Timed from the first message handled, so connecting and declaring
 *   (more for Switchyard, which declares its DLQ and exchanges) is not counted.
 * - publish → handled (live): the same raw publisher feeds a consumer while it runs; throughput
 *   from the first publish to the last handled message, latency from publish to handler.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  Consumer,
  type MessageContext,
  Subscribe,
  type SubscriptionSpec,
  Switchyard,
  type Type,
  silentLogger,
} from '@switchyard/core';
import { RabbitMqTransport, deleteTopology, queueArguments } from '@switchyard/rabbitmq';
import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import {
  type BenchOrder,
  type BenchRow,
  type Benchmark,
  type Measurement,
  type Sink,
  benchOrder,
  measure,
  now,
  until,
  windowed,
} from './bench-kit';

const BROKER_URL = process.env.SWITCHYARD_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** The socket options the transport uses, so the raw side is not slowed or sped up by a different TCP setting. */
const RAW_SOCKET_OPTIONS = { noDelay: true };
/** Unconfirmed publishes in flight, on both sides. */
const WINDOW = 128;
/** Prefetch of both consumers; Switchyard runs up to CONCURRENCY handlers at once. */
const PREFETCH = 256;
const CONCURRENCY = 64;

const run = randomBytes(3).toString('hex');
const exchange = `swybench-${run}.events`;
const transportUrl = `${BROKER_URL}?exchange=${exchange}&connectionName=swybench-${run}`;
const queues: string[] = [];

function confirmed(channel: ConfirmChannel, routingKey: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(
      exchange,
      routingKey,
      body,
      {
        persistent: true,
        messageId: randomUUID(),
        contentType: 'application/json',
        timestamp: Math.floor(Date.now() / 1000),
      },
      (error: unknown) => (error ? reject(error) : resolve()),
    );
  });
}

/** A subscription spec as Switchyard derives it for the bench consumer. */
function benchSpec(queue: string, topic: string): SubscriptionSpec {
  return {
    queue,
    patterns: [topic],
    concurrency: CONCURRENCY,
    prefetch: PREFETCH,
    ackMode: 'after-handler',
    maxAttempts: 3,
    ordered: false,
    maxPriority: 0,
    transportOptions: {},
  };
}

/** Declares a queue exactly as the transport would, so both sides consume the same kind. */
async function declare(model: ChannelModel, queue: string, topic: string): Promise<void> {
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, {
    durable: true,
    arguments: queueArguments(benchSpec(queue, topic)),
  });
  await channel.bindQueue(queue, exchange, topic);
  await channel.purgeQueue(queue);
  await channel.close();
  queues.push(queue);
}

function consumerFor(sink: Sink, group: string, topic: string): Type {
  @Consumer({ group, concurrency: CONCURRENCY, prefetch: PREFETCH })
  class BenchConsumer {
    @Subscribe(topic)
    on(payload: BenchOrder, _ctx: MessageContext): void {
      const at = now();
      if (sink.handled++ === 0) sink.firstAt = at;
      sink.latencies.push(at - payload.sentAt);
    }
  }
  return BenchConsumer;
}

async function switchyardApp(consumers: Type[]): Promise<Switchyard> {
  const app = await Switchyard.create({
    transport: new RabbitMqTransport(transportUrl),
    consumers,
    logger: silentLogger,
    queueSizeIntervalMs: 0,
  });
  await app.start();
  return app;
}

async function fill(model: ChannelModel, topic: string, count: number): Promise<void> {
  const channel = await model.createConfirmChannel();
  await windowed(count, WINDOW, (i) =>
    confirmed(channel, topic, Buffer.from(JSON.stringify(benchOrder(i)))),
  );
  await channel.close();
}

async function publishSwitchyard(model: ChannelModel, messages: number): Promise<Measurement> {
  const topic = `bench.${run}.published.sy`;
  await declare(model, `swybench-${run}.published.sy`, topic);
  const app = await switchyardApp([]);
  const startedAt = now();
  await windowed(messages, WINDOW, (i) => app.bus.publish(topic, benchOrder(i)));
  const elapsed = now() - startedAt;
  await app.stop();
  return measure(messages, elapsed);
}

async function publishRaw(model: ChannelModel, messages: number): Promise<Measurement> {
  const topic = `bench.${run}.published.raw`;
  await declare(model, `swybench-${run}.published.raw`, topic);
  // Its own connection, as the Switchyard side has.
  const own = await connect(BROKER_URL, RAW_SOCKET_OPTIONS);
  const channel = await own.createConfirmChannel();
  const startedAt = now();
  await windowed(messages, WINDOW, (i) =>
    confirmed(channel, topic, Buffer.from(JSON.stringify(benchOrder(i)))),
  );
  const elapsed = now() - startedAt;
  await own.close();
  return measure(messages, elapsed);
}

/** Drains a backlog (`live` false) or consumes while the raw publisher feeds the queue. */
async function consumeSwitchyard(
  model: ChannelModel,
  messages: number,
  live: boolean,
): Promise<Measurement> {
  const group = `swybench-${run}.${live ? 'live' : 'backlog'}-sy`;
  const topic = `bench.${run}.${live ? 'live' : 'backlog'}.sy`;
  await declare(model, `${group}.on`, topic);
  if (!live) await fill(model, topic, messages);
  const sink: Sink = { handled: 0, latencies: [], firstAt: 0 };
  const startedAt = now();
  const app = await switchyardApp([consumerFor(sink, group, topic)]);
  if (live) await fill(model, topic, messages);
  await until(() => sink.handled >= messages, 120_000, 'every message to be handled');
  const elapsed = now() - (live ? startedAt : sink.firstAt);
  await app.stop();
  return measure(messages, elapsed, live ? sink.latencies : []);
}

async function consumeRaw(
  model: ChannelModel,
  messages: number,
  live: boolean,
): Promise<Measurement> {
  const queue = `swybench-${run}.${live ? 'live' : 'backlog'}-raw`;
  const topic = `bench.${run}.${live ? 'live' : 'backlog'}.raw`;
  await declare(model, queue, topic);
  if (!live) await fill(model, topic, messages);
  const sink: Sink = { handled: 0, latencies: [], firstAt: 0 };
  const startedAt = now();
  // Its own connection, as the Switchyard side has; the feeding publisher keeps `model`.
  const own = await connect(BROKER_URL, RAW_SOCKET_OPTIONS);
  const channel = await own.createChannel();
  await channel.prefetch(PREFETCH);
  await channel.consume(queue, (message) => {
    if (!message) return;
    const payload = JSON.parse(message.content.toString('utf8')) as BenchOrder;
    const at = now();
    if (sink.handled++ === 0) sink.firstAt = at;
    sink.latencies.push(at - payload.sentAt);
    channel.ack(message);
  });
  if (live) await fill(model, topic, messages);
  await until(() => sink.handled >= messages, 120_000, 'every message to be handled');
  const elapsed = now() - (live ? startedAt : sink.firstAt);
  await own.close();
  return measure(messages, elapsed, live ? sink.latencies : []);
}

/** Rounds of each scenario; the broker shares two cores with the bench, so one round is noisy. */
const ROUNDS = 3;

/**
 * Runs both sides ROUNDS times, interleaved so that drifts of the machine hit both alike, and
 * keeps each side's median round by throughput.
 */
async function alternate(
  switchyard: () => Promise<Measurement>,
  baseline: () => Promise<Measurement>,
): Promise<[Measurement, Measurement]> {
  const ours: Measurement[] = [];
  const theirs: Measurement[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await switchyard());
    theirs.push(await baseline());
  }
  return [median(ours), median(theirs)];
}

function median(measurements: Measurement[]): Measurement {
  const sorted = [...measurements].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

/** RabbitMQ's benchmark: Switchyard vs raw amqplib. */
export const benchmark: Benchmark = {
  name: 'rabbitmq',
  async available() {
    try {
      const model = await connect(BROKER_URL, RAW_SOCKET_OPTIONS);
      await model.close();
      return true;
    } catch (error) {
      console.log(`rabbitmq: ${BROKER_URL} not reachable (${(error as Error).message})`);
      return false;
    }
  },
  async run(messages: number): Promise<BenchRow[]> {
    const model = await connect(BROKER_URL, RAW_SOCKET_OPTIONS);
    try {
      // Warm up both paths so the JIT has compiled them before anything is measured.
      const warmUp = Math.min(2_000, messages);
      await publishSwitchyard(model, warmUp);
      await publishRaw(model, warmUp);
      await consumeSwitchyard(model, warmUp, true);
      await consumeRaw(model, warmUp, true);
      const row = (scenario: string, switchyard: Measurement, baseline: Measurement): BenchRow => ({
        transport: 'rabbitmq',
        scenario,
        messages,
        switchyard,
        baseline,
        baselineName: 'raw amqplib',
      });
      return [
        row(
          `publish (confirmed, ${WINDOW} in flight)`,
          ...(await alternate(
            () => publishSwitchyard(model, messages),
            () => publishRaw(model, messages),
          )),
        ),
        row(
          `consume + ack (backlog, prefetch ${PREFETCH})`,
          ...(await alternate(
            () => consumeSwitchyard(model, messages, false),
            () => consumeRaw(model, messages, false),
          )),
        ),
        row(
          `publish → handled (live, prefetch ${PREFETCH})`,
          ...(await alternate(
            () => consumeSwitchyard(model, messages, true),
            () => consumeRaw(model, messages, true),
          )),
        ),
      ];
    } finally {
      await model.close();
      await deleteTopology(transportUrl, { queues, exchanges: true });
    }
  },
};
