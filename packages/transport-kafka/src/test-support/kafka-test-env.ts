import { afterAll, beforeAll } from '@jest/globals';
import { type SubscriptionSpec, Switchyard, type Type, silentLogger } from '@switchyard/core';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { KafkaTransport } from '../transport';
import { shareBroker } from './broker-lock';

/** The broker under test: `KAFKA_BROKERS` (comma-separated), default the project's script's. */
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';

/**
 * Timings for tests: a rebalance in about half a second instead of several, fetches that
 * return within 100 ms, wildcard topics found within half a second.
 */
export const FAST_QUERY =
  'clientId=swy-test&sessionTimeout=6000&heartbeatInterval=500&rebalanceTimeout=5000&maxWaitTime=100&topicRefresh=500&logLevel=nothing';

/** A transport URL for tests, with `extra` query parameters appended. */
export function testUrl(extra = ''): string {
  return `kafka://${KAFKA_BROKERS}?${FAST_QUERY}${extra ? `&${extra}` : ''}`;
}

/** A raw kafkajs client, as a producer that knows nothing of Switchyard would use. */
export function rawKafka(): Kafka {
  return new Kafka({
    brokers: KAFKA_BROKERS.split(','),
    clientId: 'swy-test-raw',
    logLevel: logLevel.NOTHING,
  });
}

/** The partitioner every raw producer of the tests uses (kafkajs's default, without its warning). */
export const PARTITIONER = Partitioners.DefaultPartitioner;

/**
 * Builds transports for a test file and removes, at the end, what they created on the broker:
 * topics (queues' retry and dead-letter topics included) and consumer groups.
 */
export class BrokerCleanup {
  private readonly transports: KafkaTransport[] = [];
  private readonly groups = new Set<string>();
  private readonly topics = new Set<string>();

  /** A new transport whose topics and groups are removed by `run()`. */
  transport(extra = ''): KafkaTransport {
    const transport = new KafkaTransport(testUrl(extra), { logger: silentLogger });
    const subscribe = transport.subscribe.bind(transport);
    transport.subscribe = (spec: SubscriptionSpec, handler) => {
      this.groups.add(spec.queue);
      return subscribe(spec, handler);
    };
    this.transports.push(transport);
    return transport;
  }

  /** Also remove these consumer groups (used by a raw client). */
  group(...names: string[]): void {
    for (const name of names) this.groups.add(name);
  }

  /** Also remove these topics (created by a raw client). */
  topic(...names: string[]): void {
    for (const name of names) this.topics.add(name);
  }

  /** Deletes every topic and group created so far (call after every app stopped). */
  async run(): Promise<void> {
    const topics = new Set(this.topics);
    for (const transport of this.transports) for (const t of transport.topicsCreated) topics.add(t);
    const admin = rawKafka().admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const doomed = [...topics].filter((topic) => existing.has(topic));
      for (let i = 0; i < doomed.length; i += 100) {
        await admin.deleteTopics({ topics: doomed.slice(i, i + 100) }).catch(() => undefined);
      }
      if (this.groups.size > 0) await admin.deleteGroups([...this.groups]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
}

/** A prefix no other run uses, for topic and group names: `swyk<random>.` */
export function runPrefix(): string {
  return `swyk${Math.random().toString(36).slice(2, 8)}`;
}

/** Starts an app with `consumers` on `transport`, silent and without queue-size polling. */
export async function startApp(
  transport: KafkaTransport,
  consumers: readonly Type[],
): Promise<Switchyard> {
  const app = await Switchyard.create({
    transport,
    consumers,
    logger: silentLogger,
    queueSizeIntervalMs: 0,
    drainTimeoutMs: 5_000,
  });
  await app.start();
  return app;
}

/**
 * Holds the shared lock on the broker for the whole test file (see `broker-lock.ts`), so that
 * the restart test never restarts it under this file's feet.
 */
export function useSharedBroker(): void {
  let release: () => void = () => undefined;
  beforeAll(async () => {
    release = await shareBroker();
  }, 180_000);
  afterAll(() => release());
}
