/**
 * Redis Streams: Switchyard against raw ioredis, in the same run on the same Redis, doing the
 * same work — JSON messages appended with `XADD … MAXLEN ~`, consumed by a consumer group with
 * `XREADGROUP` and acknowledged with `XACK`, with the same number of publishes in flight and the
 * same prefetch (`COUNT`) on both sides. Both sides use one auto-pipelined command connection and,
 * for consuming, one blocking connection.
 *
 * - publish: N publishes, at most WINDOW awaiting Redis's reply at once. The raw side writes an
 *   id, a time and a content type; Switchyard also writes a correlation id and a W3C traceparent,
 *   so a second row gives the raw side those same two headers.
 * - consume + ack (backlog): a stream holding N entries is drained by a group; each entry is
 *   decoded, handled and acknowledged. Timed from the first message handled, so connecting and
 *   declaring is not counted.
 * - publish → handled (live): the same raw publisher feeds a consumer while it runs; throughput
 *   from the first publish to the last handled message, latency from publish to handler.
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
import { RedisTransport } from '@switchyard/redis';
import { Redis } from 'ioredis';
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

const REDIS_URL = process.env.SWITCHYARD_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Publishes awaiting Redis's reply at once, on both sides. */
const WINDOW = 128;
/** Entries fetched ahead (`XREADGROUP COUNT`) on both sides; Switchyard runs CONCURRENCY handlers. */
const PREFETCH = 256;
const CONCURRENCY = 64;
/** `MAXLEN ~` of both sides: the transport's default. */
const MAX_LEN = 100_000;

const run = `swybench${randomBytes(3).toString('hex')}`;
const streamPrefix = `${run}:`;

function commandConnection(): Redis {
  return new Redis(REDIS_URL, { enableAutoPipelining: true });
}

/** What a producer writing by hand would add: an id, the time, the content type and the body. */
function rawXadd(
  redis: Redis,
  stream: string,
  payload: BenchOrder,
  sameHeaders = false,
): Promise<unknown> {
  const id = randomUUID();
  const fields: (string | number)[] = [
    'id',
    id,
    'ts',
    Date.now(),
    'h:content-type',
    'application/json',
  ];
  // What Switchyard writes besides: the conversation's correlation id and a W3C traceparent.
  if (sameHeaders) fields.push('h:correlation-id', id, 'h:traceparent', traceparent());
  return redis.xadd(
    stream,
    'MAXLEN',
    '~',
    MAX_LEN,
    '*',
    ...fields,
    'body',
    JSON.stringify(payload),
  );
}

/** A new root traceparent, as a hand-written producer would make one. */
function traceparent(): string {
  const random = randomBytes(24).toString('hex');
  return `00-${random.slice(0, 32)}-${random.slice(32)}-01`;
}

function transport(): RedisTransport {
  return new RedisTransport({
    url: REDIS_URL,
    streamPrefix,
    namespace: `${run}:swy:`,
    connectionName: run,
    maxLen: MAX_LEN,
    logger: silentLogger,
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
  const app = await Switchyard.create({
    transport: transport(),
    consumers,
    logger: silentLogger,
    queueSizeIntervalMs: 0,
  });
  await app.start();
  return app;
}

/** Creates the group at the start of the (empty) stream, so a backlog filled next is all its. */
async function declareGroup(redis: Redis, stream: string, group: string): Promise<void> {
  await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
}

async function fill(redis: Redis, stream: string, count: number): Promise<void> {
  await windowed(count, WINDOW, (i) => rawXadd(redis, stream, benchOrder(i)));
}

async function publishSwitchyard(messages: number, round: string): Promise<Measurement> {
  const topic = `published.sy${round}`;
  const app = await switchyardApp([]);
  await app.bus.publish(topic, benchOrder(-1)); // the first publish of a topic also announces it
  const startedAt = now();
  await windowed(messages, WINDOW, (i) => app.bus.publish(topic, benchOrder(i)));
  const elapsed = now() - startedAt;
  await app.stop();
  return measure(messages, elapsed);
}

async function publishRaw(
  messages: number,
  round: string,
  sameHeaders = false,
): Promise<Measurement> {
  const stream = `${streamPrefix}published.raw${round}`;
  const redis = commandConnection();
  await rawXadd(redis, stream, benchOrder(-1));
  const startedAt = now();
  await windowed(messages, WINDOW, (i) => rawXadd(redis, stream, benchOrder(i), sameHeaders));
  const elapsed = now() - startedAt;
  await redis.quit();
  return measure(messages, elapsed);
}

/** Drains a backlog (`live` false) or consumes while the raw publisher feeds the stream. */
async function consumeSwitchyard(
  feeder: Redis,
  messages: number,
  live: boolean,
  round: string,
): Promise<Measurement> {
  const group = `${live ? 'live' : 'backlog'}-sy${round}`;
  const topic = `${live ? 'live' : 'backlog'}.sy${round}`;
  const stream = streamPrefix + topic;
  await declareGroup(feeder, stream, `${group}.on`);
  if (!live) await fill(feeder, stream, messages);
  const sink: Sink = { handled: 0, latencies: [], firstAt: 0 };
  const startedAt = now();
  const app = await switchyardApp([consumerFor(sink, group, topic)]);
  if (live) await fill(feeder, stream, messages);
  await until(() => sink.handled >= messages, 120_000, 'every message to be handled');
  const elapsed = now() - (live ? startedAt : sink.firstAt);
  await app.stop();
  return measure(messages, elapsed, live ? sink.latencies : []);
}

type ReadReply = [string, [string, string[]][]][] | null;

async function consumeRaw(
  feeder: Redis,
  messages: number,
  live: boolean,
  round: string,
): Promise<Measurement> {
  const group = `${live ? 'live' : 'backlog'}-raw${round}`;
  const stream = `${streamPrefix}${live ? 'live' : 'backlog'}.raw${round}`;
  await declareGroup(feeder, stream, group);
  if (!live) await fill(feeder, stream, messages);
  const sink: Sink = { handled: 0, latencies: [], firstAt: 0 };
  const startedAt = now();
  // Its own connections, as the Switchyard side has: one blocking, one for acknowledgements.
  const blocking = new Redis(REDIS_URL);
  const acks = commandConnection();
  const acknowledging: Promise<unknown>[] = [];
  const consuming = (async () => {
    while (sink.handled < messages) {
      const reply = (await blocking.xreadgroup(
        'GROUP',
        group,
        'bench',
        'COUNT',
        PREFETCH,
        'BLOCK',
        1_000,
        'STREAMS',
        stream,
        '>',
      )) as ReadReply;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      for (const [, fields] of entries) {
        const payload = JSON.parse(fields[fields.indexOf('body') + 1]!) as BenchOrder;
        const at = now();
        if (sink.handled++ === 0) sink.firstAt = at;
        sink.latencies.push(at - payload.sentAt);
      }
      acknowledging.push(acks.xack(stream, group, ...entries.map(([id]) => id)));
    }
  })();
  if (live) await fill(feeder, stream, messages);
  await consuming;
  await until(() => sink.handled >= messages, 120_000, 'every message to be handled');
  const elapsed = now() - (live ? startedAt : sink.firstAt);
  await Promise.all(acknowledging);
  await acks.quit();
  blocking.disconnect();
  return measure(messages, elapsed, live ? sink.latencies : []);
}

/** Rounds of each scenario; Redis shares two cores with the bench, so one round is noisy. */
const ROUNDS = 3;

/**
 * Runs both sides ROUNDS times, interleaved so that drifts of the machine hit both alike, and
 * keeps each side's median round by throughput.
 */
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

/** Deletes every key the bench created. */
async function cleanUp(redis: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Redis's benchmark: Switchyard vs raw ioredis. */
export const benchmark: Benchmark = {
  name: 'redis',
  async available() {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return true;
    } catch (error) {
      console.log(`redis: ${REDIS_URL} not reachable (${(error as Error).message})`);
      return false;
    } finally {
      redis.disconnect();
    }
  },
  async run(messages: number): Promise<BenchRow[]> {
    const feeder = commandConnection();
    try {
      // Warm up both paths so the JIT has compiled them before anything is measured.
      const warmUp = Math.min(2_000, messages);
      await publishSwitchyard(warmUp, 'w');
      await publishRaw(warmUp, 'w');
      await consumeSwitchyard(feeder, warmUp, true, 'w');
      await consumeRaw(feeder, warmUp, true, 'w');
      await cleanUp(feeder);
      const row = (scenario: string, switchyard: Measurement, baseline: Measurement): BenchRow => ({
        transport: 'redis',
        scenario,
        messages,
        switchyard,
        baseline,
        baselineName: 'raw ioredis',
      });
      const rows = [
        row(
          `publish (XADD, ${WINDOW} in flight)`,
          ...(await alternate(
            (round) => publishSwitchyard(messages, round),
            (round) => publishRaw(messages, round),
          )),
        ),
        row(
          `publish (XADD, ${WINDOW} in flight), raw with the same headers`,
          ...(await alternate(
            (round) => publishSwitchyard(messages, `h${round}`),
            (round) => publishRaw(messages, `h${round}`, true),
          )),
        ),
      ];
      await cleanUp(feeder);
      rows.push(
        row(
          `consume + ack (backlog, COUNT ${PREFETCH})`,
          ...(await alternate(
            (round) => consumeSwitchyard(feeder, messages, false, round),
            (round) => consumeRaw(feeder, messages, false, round),
          )),
        ),
      );
      await cleanUp(feeder);
      rows.push(
        row(
          `publish → handled (live, COUNT ${PREFETCH})`,
          ...(await alternate(
            (round) => consumeSwitchyard(feeder, messages, true, round),
            (round) => consumeRaw(feeder, messages, true, round),
          )),
        ),
      );
      return rows;
    } finally {
      await cleanUp(feeder);
      await feeder.quit();
    }
  },
};
