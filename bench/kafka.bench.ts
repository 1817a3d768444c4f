/**
 * Kafka: Switchyard against raw kafkajs, in the same run on the same broker, doing the same
 * work — JSON records with a message id and a content type header, `acks=all` from an
 * idempotent producer (one request in flight), consumed by a consumer group that commits what
 * it handled, reading only committed records.
 *
 * Both sides batch the same way: publishes issued while a produce request is on its way share
 * the next request. Switchyard's publisher does that by itself; the raw side gets the same
 * twenty-line coalescer (`RawBatcher`), since sending one request per record would make raw
 * kafkajs look several times slower than it is.
 *
 * - publish: N publishes, at most WINDOW awaiting their acknowledgement at once. The raw side
 *   writes an id and a content type; Switchyard also writes a correlation id and a W3C
 *   traceparent, so a second row gives the raw side those same two headers.
 * - publish, one at a time: each publish awaited before the next (N / 20 of them).
 * - consume + commit (backlog): a 3-partition topic holding N records is drained by a new group;
 *   every record is decoded, handled and its offset committed. Timed from the first record
 *   handled, so joining the group is not counted. The raw side is kafkajs `eachMessage` with its
 *   default commit after every batch, three partitions consumed concurrently; Switchyard runs
 *   up to CONCURRENCY handlers with PREFETCH records fetched ahead and commits each partition's
 *   contiguous settled offset, one commit in flight at a time.
 * - publish → handled (live): the raw batched publisher feeds a running consumer; throughput
 *   from the first publish to the last handled record, latency from publish to handler.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  Consumer,
  type MessageContext,
  Subscribe,
  Switchyard,
  type Type,
  silentLogger,
} from '@switchyard/core';
import { KafkaTransport } from '@switchyard/kafka';
import { type Admin, Kafka, type Message, Partitioners, type Producer, logLevel } from 'kafkajs';
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

const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
/** Publishes awaiting their acknowledgement at once, on both sides. */
const WINDOW = 128;
/** Switchyard's handlers at once and records fetched ahead. */
const CONCURRENCY = 64;
const PREFETCH = 1_000;
const PARTITIONS = 3;
/** Fetch long-poll of both consumers, and the group timings of both. */
const MAX_WAIT_MS = 100;
const SESSION_TIMEOUT_MS = 6_000;
const HEARTBEAT_MS = 500;

const run = `swybench${randomBytes(3).toString('hex')}`;
const transportUrl =
  `kafka://${BROKERS}?clientId=${run}&partitions=${PARTITIONS}&maxWaitTime=${MAX_WAIT_MS}` +
  `&sessionTimeout=${SESSION_TIMEOUT_MS}&heartbeatInterval=${HEARTBEAT_MS}&logLevel=nothing`;
const topics = new Set<string>();
const groups = new Set<string>();

function rawKafka(): Kafka {
  return new Kafka({
    brokers: BROKERS.split(','),
    clientId: `${run}-raw`,
    logLevel: logLevel.NOTHING,
  });
}

/**
 * What a producer writing by hand would send: the JSON body, an id and the content type; with
 * `envelope`, also the correlation id and trace context Switchyard writes on every message.
 */
function rawRecord(payload: BenchOrder, envelope = false): Message {
  const id = randomUUID();
  const headers: Record<string, string> = { 'message-id': id, 'content-type': 'application/json' };
  if (envelope) {
    const hex = id.replace(/-/g, '');
    headers['correlation-id'] = id;
    headers.traceparent = `00-${hex}-${hex.slice(0, 16)}-01`;
  }
  return { key: null, value: JSON.stringify(payload), headers, timestamp: String(Date.now()) };
}

/** The raw side's batching: records sent while a request is on its way share the next one. */
class RawBatcher {
  private queue: { record: Message; resolve: () => void; reject: (e: Error) => void }[] = [];
  private sending = false;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  send(record: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.producer.send({
          topic: this.topic,
          acks: -1,
          messages: batch.map((p) => p.record),
        });
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error as Error);
      }
    }
    this.sending = false;
  }
}

async function rawProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}

async function createTopic(admin: Admin, topic: string): Promise<void> {
  topics.add(topic);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS }],
  });
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
  const transport = new KafkaTransport(transportUrl, { logger: silentLogger });
  const app = await Switchyard.create({
    transport,
    consumers,
    logger: silentLogger,
    queueSizeIntervalMs: 0,
  });
  await app.start();
  return app;
}

async function publishSwitchyard(
  messages: number,
  window: number,
  round: string,
): Promise<Measurement> {
  const topic = `${run}.published.sy${round}w${window}`;
  topics.add(topic);
  const app = await switchyardApp([]);
  await app.bus.publish(topic, benchOrder(-1)); // creates the topic, outside the timing
  const startedAt = now();
  await windowed(messages, window, (i) => app.bus.publish(topic, benchOrder(i)));
  const elapsed = now() - startedAt;
  await app.stop();
  return measure(messages, elapsed);
}

async function publishRaw(
  admin: Admin,
  messages: number,
  window: number,
  round: string,
  envelope = false,
): Promise<Measurement> {
  const topic = `${run}.published.raw${round}w${window}${envelope ? 'e' : ''}`;
  await createTopic(admin, topic);
  const producer = await rawProducer(rawKafka());
  const batcher = new RawBatcher(producer, topic);
  await batcher.send(rawRecord(benchOrder(-1)));
  const startedAt = now();
  await windowed(messages, window, (i) => batcher.send(rawRecord(benchOrder(i), envelope)));
  const elapsed = now() - startedAt;
  await producer.disconnect();
  return measure(messages, elapsed);
}

async function fill(batcher: RawBatcher, count: number): Promise<void> {
  await windowed(count, WINDOW, (i) => batcher.send(rawRecord(benchOrder(i))));
}

/** Drains a backlog (`live` false) or consumes while the raw publisher feeds the topic. */
async function consumeSwitchyard(
  admin: Admin,
  feeder: Producer,
  messages: number,
  live: boolean,
  round: string,
): Promise<Measurement> {
  const group = `${run}.${live ? 'live' : 'backlog'}-sy${round}`;
  const topic = `${run}.${live ? 'live' : 'backlog'}.sy${round}`;
  groups.add(`${group}.on`);
  await createTopic(admin, topic);
  const batcher = new RawBatcher(feeder, topic);
  if (!live) await fill(batcher, messages);
  const sink: Sink = { handled: 0, latencies: [], firstAt: 0 };
  const app = await switchyardApp([consumerFor(sink, group, topic)]);
  const startedAt = now();
  if (live) await fill(batcher, messages);
  await until(() => sink.handled >= messages, 120_000, 'every message to be handled');
  const elapsed = now() - (live ? startedAt : sink.firstAt);
  await app.stop();
  return measure(messages, elapsed, live ? sink.latencies : []);
}

async function consumeRaw(
  admin: Admin,
  feeder: Producer,
  messages: number,
  live: boolean,
  round: string,
): Promise<Measurement> {
  const group = `${run}.${live ? 'live' : 'backlog'}-raw${round}`;
  const topic = `${run}.${live ? 'live' : 'backlog'}.raw${round}`;
  groups.add(group);
  await createTopic(admin, topic);
  const batcher = new RawBatcher(feeder, topic);
  if (!live) await fill(batcher, messages);
  const sink: Sink = { handled: 0, latencies: [], firstAt: 0 };
  const consumer = rawKafka().consumer({
    groupId: group,
    maxWaitTimeInMs: MAX_WAIT_MS,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: HEARTBEAT_MS,
  });
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
  );
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachMessage: async ({ message }) => {
      const payload = JSON.parse(message.value!.toString('utf8')) as BenchOrder;
      const at = now();
      if (sink.handled++ === 0) sink.firstAt = at;
      sink.latencies.push(at - payload.sentAt);
    },
  });
  await joined;
  const startedAt = now();
  if (live) await fill(batcher, messages);
  await until(() => sink.handled >= messages, 120_000, 'every message to be handled');
  const elapsed = now() - (live ? startedAt : sink.firstAt);
  await consumer.disconnect();
  return measure(messages, elapsed, live ? sink.latencies : []);
}

/** Rounds of each scenario; the broker shares two cores with the bench, so one round is noisy. */
const ROUNDS = 5;

/** Runs both sides ROUNDS times, interleaved, and keeps each side's median round by throughput. */
async function alternate(
  switchyard: (round: string) => Promise<Measurement>,
  baseline: (round: string) => Promise<Measurement>,
): Promise<[Measurement, Measurement]> {
  const ours: Measurement[] = [];
  const theirs: Measurement[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await switchyard(String(round)));
    theirs.push(await baseline(String(round)));
  }
  return [median(ours), median(theirs)];
}

function median(measurements: Measurement[]): Measurement {
  const sorted = [...measurements].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Deletes the bench's topics (Switchyard's retry topics included) and groups. */
async function cleanUp(admin: Admin): Promise<void> {
  const existing = await admin.listTopics();
  const doomed = existing.filter((topic) => topics.has(topic) || topic.includes(run));
  if (doomed.length > 0) await admin.deleteTopics({ topics: doomed }).catch(() => undefined);
  if (groups.size > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
}

/** Kafka's benchmark: Switchyard vs raw kafkajs. */
export const benchmark: Benchmark = {
  name: 'kafka',
  async available() {
    const admin = new Kafka({
      brokers: BROKERS.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2_000,
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch (error) {
      console.log(`kafka: ${BROKERS} not reachable (${(error as Error).message})`);
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
  async run(messages: number): Promise<BenchRow[]> {
    const kafka = rawKafka();
    const admin = kafka.admin();
    await admin.connect();
    const feeder = await rawProducer(kafka);
    try {
      // Warm up both paths so the JIT has compiled them before anything is measured.
      const warmUp = Math.min(2_000, messages);
      await publishSwitchyard(warmUp, WINDOW, 'w');
      await publishRaw(admin, warmUp, WINDOW, 'w');
      await consumeSwitchyard(admin, feeder, warmUp, true, 'w');
      await consumeRaw(admin, feeder, warmUp, true, 'w');
      const row = (
        scenario: string,
        count: number,
        [switchyard, baseline]: [Measurement, Measurement],
      ): BenchRow => ({
        transport: 'kafka',
        scenario,
        messages: count,
        switchyard,
        baseline,
        baselineName: 'raw kafkajs',
      });
      const single = Math.max(100, Math.floor(messages / 20));
      return [
        row(
          `publish (acks=all, ${WINDOW} in flight)`,
          messages,
          await alternate(
            (round) => publishSwitchyard(messages, WINDOW, round),
            (round) => publishRaw(admin, messages, WINDOW, round),
          ),
        ),
        row(
          `publish (acks=all, ${WINDOW} in flight), raw with the same 4 headers`,
          messages,
          await alternate(
            (round) => publishSwitchyard(messages, WINDOW, `e${round}`),
            (round) => publishRaw(admin, messages, WINDOW, round, true),
          ),
        ),
        row(
          'publish, one at a time',
          single,
          await alternate(
            (round) => publishSwitchyard(single, 1, round),
            (round) => publishRaw(admin, single, 1, round),
          ),
        ),
        row(
          'consume + commit (backlog)',
          messages,
          await alternate(
            (round) => consumeSwitchyard(admin, feeder, messages, false, round),
            (round) => consumeRaw(admin, feeder, messages, false, round),
          ),
        ),
        row(
          'publish → handled (live)',
          messages,
          await alternate(
            (round) => consumeSwitchyard(admin, feeder, messages, true, round),
            (round) => consumeRaw(admin, feeder, messages, true, round),
          ),
        ),
      ];
    } finally {
      await feeder.disconnect();
      await cleanUp(admin);
      await admin.disconnect();
    }
  },
};
