import { TransportUnavailableError } from '@switchyard/core';
import type {
  Consumer,
  EachBatchPayload,
  IMemberAssignment,
  Kafka,
  TopicPartitionOffset,
} from 'kafkajs';
import type { KafkaOptions } from './options';
import { isUnknownTopic } from './producer-slot';

/** Topics to consume, each with whether a group without an offset starts at its beginning. */
export type TopicPlan = ReadonlyMap<string, boolean>;

/** What the member tells its subscription. */
export interface MemberHooks {
  /** Partitions were (re)assigned; the ones not listed are no longer this member's. */
  onJoin(assignment: IMemberAssignment): void;
  onBatch(payload: EachBatchPayload): Promise<void>;
  /** kafkajs skipped a batch of only aborted records and markers, up to `lastOffset`. */
  onFilteredBatch(topic: string, partition: number, lastOffset: number): void;
  /** The consumer is about to leave the group (commits must wait for the next join). */
  onLeave(): void;
  /** The topics to consume now (topics are re-created or re-listed as needed). */
  plan(): Promise<TopicPlan>;
  warn(what: string, error: unknown): void;
}

/**
 * The kafkajs consumer of one group member, replaced whole when its topics change: kafkajs
 * fixes a consumer's topics when it runs and keeps every topic it ever subscribed in its
 * metadata requests, so a topic that appears (a wildcard match) or disappears (deleted) needs a
 * new consumer. Also restarts a consumer that kafkajs gave up on.
 */
export class GroupMember {
  private consumer: Consumer | undefined;
  private current: TopicPlan = new Map();
  private lifecycle: Promise<void> = Promise.resolve();
  private joinWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly options: KafkaOptions,
    private readonly hooks: MemberHooks,
  ) {}

  /** The topics consumed now. */
  get topics(): readonly string[] {
    return [...this.current.keys()];
  }

  /** Joins with `plan`; resolves once partitions are assigned. */
  start(plan: TopicPlan): Promise<void> {
    return this.serially(() => this.replace(plan));
  }

  /** Rejoins with a new consumer when `plan` differs from the topics consumed now. */
  update(plan: TopicPlan): Promise<void> {
    return this.serially(async () => {
      if (this.stopped || samePlan(plan, this.current)) return;
      await this.replace(plan);
    });
  }

  commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (!this.consumer) return Promise.reject(new TransportUnavailableError('Not in the group'));
    return this.consumer.commitOffsets(offsets);
  }

  /** Stops or resumes fetching topics; false when there is no running consumer to tell. */
  pause(topics: readonly string[], paused: boolean): boolean {
    if (!this.consumer || topics.length === 0) return false;
    const list = topics.map((topic) => ({ topic }));
    try {
      if (paused) this.consumer.pause(list);
      else this.consumer.resume(list);
      return true;
    } catch {
      return false; // Between two runs; the next join applies the state again.
    }
  }

  /** Resolves once no rejoin is in progress. */
  idle(): Promise<void> {
    return this.lifecycle;
  }

  /** Leaves the group (after waiting for a rejoin in progress). */
  async leave(): Promise<void> {
    this.stopped = true;
    await this.lifecycle.catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(work);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  private async replace(plan: TopicPlan): Promise<void> {
    const old = this.consumer;
    this.consumer = undefined;
    if (old) {
      this.hooks.onLeave();
      await old.disconnect().catch(() => undefined);
    }
    if (this.stopped) return;
    const consumer = this.create();
    this.consumer = consumer;
    this.current = plan;
    const joined = new Promise<void>((resolve) => this.joinWaiters.push(resolve));
    await consumer.connect();
    for (const fromBeginning of [true, false]) {
      const topics = [...plan].filter(([, from]) => from === fromBeginning).map(([t]) => t);
      if (topics.length > 0) await consumer.subscribe({ topics, fromBeginning });
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.hooks.onBatch(payload),
    });
    const { sessionTimeoutMs, rebalanceTimeoutMs } = this.options;
    await withTimeout(joined, sessionTimeoutMs + rebalanceTimeoutMs, this.groupId);
  }

  private create(): Consumer {
    const { options, hooks } = this;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (this.consumer !== consumer) return;
      hooks.onJoin(payload.memberAssignment);
      for (const resolve of this.joinWaiters.splice(0)) resolve();
    });
    consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0 && this.consumer === consumer) {
        hooks.onFilteredBatch(payload.topic, payload.partition, Number(payload.lastOffset));
      }
    });
    consumer.on(events.CRASH, ({ payload }) => {
      if (this.consumer !== consumer || this.stopped) return;
      hooks.onLeave();
      // A deleted topic poisons this consumer for good; anything kafkajs will not retry stops it.
      if (isUnknownTopic(payload.error) || !payload.restart) this.recover(payload.error);
    });
    return consumer;
  }

  private recover(error: unknown): void {
    this.hooks.warn('the consumer stopped; rejoining with a new one', error);
    void this.serially(async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.replace(await this.hooks.plan());
          return;
        } catch (retryError) {
          this.hooks.warn('rejoining failed', retryError);
          await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * attempt)));
        }
      }
    });
  }
}

function samePlan(a: TopicPlan, b: TopicPlan): boolean {
  if (a.size !== b.size) return false;
  for (const topic of a.keys()) if (!b.has(topic)) return false;
  return true;
}

async function withTimeout(promise: Promise<void>, ms: number, groupId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TransportUnavailableError(
            `Kafka: consumer group "${groupId}" got no partitions within ${ms} ms`,
          ),
        ),
      ms,
    );
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
