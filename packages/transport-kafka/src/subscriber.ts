import {
  type DeliveryHandler,
  type InboundMessage,
  type Logger,
  type Settlement,
  type Subscription,
  type SubscriptionSpec,
  TransportUnavailableError,
  errorMessage,
} from '@switchyard/core';
import type {
  Consumer,
  ConsumerRunConfig,
  EachBatchPayload,
  IMemberAssignment,
  Kafka,
  KafkaMessage,
  Transaction,
} from 'kafkajs';
import { Delivery } from './delivery';
import { Dispatcher } from './dispatcher';
import { readHeaders } from './headers';
import { toInbound } from './inbound';
import { OffsetCommitter } from './offset-committer';
import type { KafkaOptions } from './options';
import { PartitionTracker } from './partition-tracker';
import type { KafkaPublisher } from './publisher';
import { Settler } from './settler';
import type { TopicRegistry } from './topic-registry';
import { TopicWatcher } from './topic-watcher';
import { type Topology, exactTopics, hasWildcard } from './topology';

/** What a subscription shares with its transport. */
export interface SubscriberDeps {
  readonly kafka: Kafka;
  readonly options: KafkaOptions;
  readonly topology: Topology;
  readonly topics: TopicRegistry;
  readonly publisher: KafkaPublisher;
  /** Delivered messages, so that a transaction can find the offset it commits. */
  readonly deliveries: WeakMap<InboundMessage, Delivery>;
  readonly logger: Logger;
}

const REDELIVER_AFTER_HANDLER_FAILURE: Settlement = { kind: 'retry', delayMs: 1_000, headers: {} };

/**
 * One queue consumed as a Kafka consumer group (`group.id` = the queue): its topics and its retry
 * topic, handed to the handler with per-key order, at most `concurrency` at once, at most
 * `prefetch` fetched ahead, committing each partition only up to its first unsettled record.
 */
export class KafkaSubscriber implements Subscription {
  private readonly consumer: Consumer;
  private readonly trackers = new Map<string, PartitionTracker>();
  private readonly dispatcher: Dispatcher;
  private readonly committer: OffsetCommitter;
  private readonly settler: Settler;
  private readonly retryTopic: string;
  private readonly subscribed = new Set<string>();
  private watcher: TopicWatcher | undefined;
  private unhint: (() => void) | undefined;
  private lifecycle: Promise<void> = Promise.resolve();
  private joinWaiters: (() => void)[] = [];
  private capacityWaiters: (() => void)[] = [];
  /** Bumped to make a batch waiting for capacity give up (restart, close). */
  private batchEpoch = 0;
  private stopping = false;
  private closed: Promise<void> | undefined;
  private retryPaused = false;

  constructor(
    private readonly deps: SubscriberDeps,
    private readonly spec: SubscriptionSpec,
    private readonly handler: DeliveryHandler,
  ) {
    const { topology, options } = deps;
    this.retryTopic = topology.retryTopic(spec.queue);
    this.dispatcher = new Dispatcher(spec.concurrency, (delivery) => this.run(delivery));
    this.consumer = deps.kafka.consumer({
      groupId: spec.queue,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    this.committer = new OffsetCommitter(
      (offsets) => this.consumer.commitOffsets(offsets),
      (error) => this.warn('commit failed, will retry', error),
    );
    this.settler = new Settler(
      deps.publisher,
      this.retryTopic,
      topology.deadLetterTopic(spec.queue),
      spec.ordered,
      {
        finish: (delivery) => this.finish(delivery),
        redeliverLater: (delivery, message, delayMs) =>
          this.redeliverLater(delivery, message, delayMs),
        onError: (error) => this.warn('publishing a retry or dead letter failed', error),
      },
    );
  }

  /** The topics the group consumes, its retry topic included. */
  get topics(): readonly string[] {
    return [...this.subscribed];
  }

  /** Whether `close()` (or `abort()`) was called. */
  get isClosing(): boolean {
    return this.stopping;
  }

  /** Creates the topics, joins the group and resolves once partitions are assigned. */
  async start(): Promise<void> {
    const { topics, topology, options } = this.deps;
    const own = exactTopics(this.spec.patterns);
    await Promise.all([...own, this.retryTopic].map((topic) => topics.ensure(topic)));
    const userTopics = new Set(own);
    if (hasWildcard(this.spec.patterns)) {
      const matches = topology.matcher(this.spec.patterns);
      for (const topic of await topics.list()) if (matches(topic)) userTopics.add(topic);
      const wanted = (topic: string) => matches(topic) && !this.subscribed.has(topic);
      this.watcher = new TopicWatcher(
        () => topics.list(),
        wanted,
        (found) => this.addTopics(found),
        options.topicRefreshMs,
      );
      this.unhint = topics.onCreated((topic) => this.watcher?.hint(topic));
    }
    this.listen();
    await this.consumer.connect();
    if (userTopics.size > 0) {
      await this.consumer.subscribe({
        topics: [...userTopics],
        fromBeginning: options.startFrom === 'earliest',
      });
    }
    await this.consumer.subscribe({ topics: [this.retryTopic], fromBeginning: true });
    for (const topic of userTopics) this.subscribed.add(topic);
    this.subscribed.add(this.retryTopic);
    await this.runConsumer();
    this.watcher?.start();
  }

  /** Stops fetching, finishes what was handed out (and what precedes it), commits, leaves. */
  close(): Promise<void> {
    this.closed ??= this.drain();
    return this.closed;
  }

  /** Leaves the group now, without waiting for handlers (after the app's drain deadline). */
  async abort(): Promise<void> {
    this.beginStop();
    await this.committer.flush().catch(() => undefined);
    // What is still running belongs to whoever gets the partitions next.
    for (const tracker of this.trackers.values()) tracker.revoke();
    this.committer.stop();
    await this.consumer.disconnect().catch(() => undefined);
  }

  /**
   * Commits `delivery`'s offset inside `transaction` and commits it (exactly-once). Waits until
   * every earlier record of the partition is settled, so the committed offset skips nothing.
   */
  async commitInTransaction(delivery: Delivery, transaction: Transaction): Promise<void> {
    const { tracker } = delivery;
    if (tracker.watermark() < delivery.offset) {
      // Earlier records of the partition are still running: lend them this slot meanwhile.
      this.dispatcher.lend();
      try {
        await tracker.whenAckedBefore(delivery.offset);
      } finally {
        this.dispatcher.reclaim();
      }
    }
    if (tracker.revoked) throw new TransportUnavailableError(this.revokedMessage(tracker));
    this.committer.hold(tracker);
    let committed: number | undefined;
    try {
      await this.committer.settled();
      const offset = tracker.watermarkIfAcked(delivery);
      await transaction.sendOffsets({
        consumerGroupId: this.spec.queue,
        topics: [
          {
            topic: tracker.topic,
            partitions: [{ partition: tracker.partition, offset: String(offset) }],
          },
        ],
      });
      await transaction.commit();
      delivery.committedInTransaction = true;
      tracker.ack(delivery);
      committed = offset;
    } finally {
      this.committer.release(tracker, committed);
    }
  }

  private listen(): void {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => this.onJoin(payload.memberAssignment));
    this.consumer.on(events.REBALANCING, () => this.committer.kick());
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.committer.enabled = false;
      if (!payload.restart && !this.stopping) this.restartAfterCrash(payload.error);
    });
    this.consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      // A batch of only aborted records or markers never reaches eachBatch; move past it.
      if (payload.batchSize !== 0 || this.stopping) return;
      const tracker = this.trackers.get(trackerKey(payload.topic, payload.partition));
      if (!tracker) return;
      tracker.fetchedEnd = Math.max(tracker.fetchedEnd, Number(payload.lastOffset) + 1);
      this.committer.touch(tracker);
    });
  }

  private async runConsumer(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.joinWaiters.push(resolve));
    const config: ConsumerRunConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    };
    await this.consumer.run(config);
    const { sessionTimeoutMs, rebalanceTimeoutMs } = this.deps.options;
    await withTimeout(
      joined,
      sessionTimeoutMs + rebalanceTimeoutMs,
      `consumer group "${this.spec.queue}" did not get its partitions`,
    );
  }

  private onJoin(assignment: IMemberAssignment): void {
    const assigned = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) assigned.add(trackerKey(topic, partition));
    }
    for (const [key, tracker] of this.trackers) {
      if (assigned.has(key)) {
        this.committer.recommit(tracker);
      } else {
        tracker.revoke();
        this.trackers.delete(key);
      }
    }
    this.committer.enabled = !this.stopping;
    this.committer.kick();
    this.retryPaused = false;
    this.applyRetryPause();
    this.wakeCapacityWaiters();
    for (const resolve of this.joinWaiters.splice(0)) resolve();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat } = payload;
    if (this.stopping) return;
    const epoch = this.batchEpoch;
    const tracker = this.tracker(batch.topic, batch.partition);
    let free = this.freeCapacity();
    let resolved: string | undefined;
    for (const record of batch.messages) {
      // After a rejoin Kafka sends again what this member already has; skip it.
      if (Number(record.offset) > tracker.highestSeen) {
        while (free <= 0) {
          if (resolved !== undefined) resolveOffset(resolved);
          this.dispatcher.pump();
          await this.waitForCapacity(heartbeat);
          if (epoch !== this.batchEpoch || !payload.isRunning() || payload.isStale()) return;
          free = this.freeCapacity();
        }
        this.accept(tracker, record);
        free--;
      }
      resolved = record.offset;
    }
    if (resolved !== undefined) resolveOffset(resolved);
    tracker.fetchedEnd = Math.max(tracker.fetchedEnd, Number(batch.lastOffset()) + 1);
    this.dispatcher.pump();
    this.applyRetryPause();
  }

  private accept(tracker: PartitionTracker, record: KafkaMessage): void {
    const read = readHeaders(record.headers);
    const topic = tracker.isRetryTopic ? (read.originalTopic ?? tracker.topic) : tracker.topic;
    const message = toInbound(record, read, tracker, topic, this.spec.queue);
    const delivery = new Delivery(tracker, Number(record.offset), message, read.deliverAt);
    tracker.add(delivery);
    const wait = read.deliverAt - Date.now();
    if (wait <= 0) {
      this.enterLane(delivery);
    } else if (tracker.isRetryTopic) {
      this.waitUntilDue(delivery, wait);
    } else {
      // A delayed publish: park it in the retry topic, so this partition moves on.
      delivery.state = 'running';
      void this.settler.postpone(delivery).then((moved) => {
        if (!moved) this.waitUntilDue(delivery, delivery.deliverAt - Date.now());
      });
    }
  }

  private enterLane(delivery: Delivery): void {
    if (delivery.tracker.enterLane(delivery)) this.dispatcher.push(delivery);
    else delivery.state = 'queued';
  }

  private waitUntilDue(delivery: Delivery, waitMs: number): void {
    const { tracker } = delivery;
    delivery.state = 'waiting';
    tracker.waiting++;
    delivery.timer = setTimeout(
      () => {
        delivery.timer = undefined;
        if (delivery.state !== 'waiting' || tracker.revoked) return;
        tracker.waiting--;
        this.enterLane(delivery);
        this.dispatcher.pump();
        this.applyRetryPause();
      },
      Math.max(0, waitMs),
    );
  }

  private run(delivery: Delivery): void {
    const { tracker, message } = delivery;
    if (delivery.offset > tracker.highestDispatched) tracker.highestDispatched = delivery.offset;
    this.deps.deliveries.set(message, delivery);
    if (this.spec.ackMode === 'before-handler') {
      tracker.ack(delivery);
      this.committer.touch(tracker);
    }
    this.handler(message).then(
      (settlement) => this.onSettled(delivery, settlement),
      (error: unknown) => {
        this.warn('the delivery handler rejected; redelivering', error);
        this.onSettled(delivery, REDELIVER_AFTER_HANDLER_FAILURE);
      },
    );
  }

  private onSettled(delivery: Delivery, settlement: Settlement): void {
    this.dispatcher.release();
    if (delivery.tracker.revoked) {
      // Its partition now belongs to another member, which delivers it again.
      this.dispatcher.pump();
      return;
    }
    void this.settler.apply(delivery, settlement);
    this.dispatcher.pump();
  }

  private finish(delivery: Delivery): void {
    const { tracker } = delivery;
    if (tracker.revoked) return;
    const next = tracker.settle(delivery);
    if (next && next.state === 'queued') this.dispatcher.push(next);
    this.committer.touch(tracker);
    this.dispatcher.pump();
    this.wakeCapacityWaiters();
  }

  private redeliverLater(delivery: Delivery, message: InboundMessage, delayMs: number): void {
    delivery.state = 'held';
    delivery.timer = setTimeout(() => {
      delivery.timer = undefined;
      if (delivery.tracker.revoked) return;
      delivery.message = message;
      this.dispatcher.push(delivery, true);
      this.dispatcher.pump();
    }, delayMs);
  }

  private addTopics(found: readonly string[]): Promise<void> {
    this.lifecycle = this.lifecycle.then(async () => {
      const fresh = found.filter((topic) => !this.subscribed.has(topic));
      if (this.stopping || fresh.length === 0) return;
      // kafkajs fixes the topic list when it runs: stop, add the topics, rejoin.
      this.batchEpoch++;
      this.wakeCapacityWaiters();
      this.committer.enabled = false;
      await this.consumer.stop();
      await this.consumer.subscribe({ topics: fresh, fromBeginning: true });
      for (const topic of fresh) this.subscribed.add(topic);
      if (!this.stopping) await this.runConsumer();
    });
    return this.lifecycle.catch((error: unknown) => {
      this.warn('rejoining with new topics failed', error);
    });
  }

  private restartAfterCrash(error: unknown): void {
    this.warn('the consumer stopped on an error it does not retry; restarting it', error);
    this.lifecycle = this.lifecycle.then(async () => {
      for (let attempt = 1; !this.stopping; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * attempt)));
        if (this.stopping) return;
        try {
          await this.runConsumer();
          return;
        } catch (restartError) {
          this.warn('restarting the consumer failed', restartError);
          await this.consumer.stop().catch(() => undefined);
        }
      }
    });
  }

  private async drain(): Promise<void> {
    this.beginStop();
    await this.lifecycle.catch(() => undefined);
    this.pauseAll();
    const settled: Promise<void>[] = [];
    for (const tracker of this.trackers.values()) {
      const limit = tracker.highestDispatched;
      for (const waiting of tracker.dropUndelivered()) settled.push(this.parkOnClose(waiting));
      settled.push(tracker.whenAckedBefore(limit + 1));
    }
    this.dispatcher.pump();
    await Promise.all(settled);
    await this.committer.flush();
    this.committer.stop();
    await this.consumer.disconnect();
  }

  /** A retry copy not yet due, below what was handed out: park it again rather than wait for it. */
  private async parkOnClose(delivery: Delivery): Promise<void> {
    if (delivery.timer) clearTimeout(delivery.timer);
    delivery.timer = undefined;
    delivery.tracker.waiting--;
    delivery.state = 'running';
    if (!(await this.settler.postpone(delivery))) {
      this.waitUntilDue(delivery, delivery.deliverAt - Date.now());
    }
  }

  private beginStop(): void {
    this.stopping = true;
    this.batchEpoch++;
    this.wakeCapacityWaiters();
    this.watcher?.stop();
    this.unhint?.();
  }

  private tracker(topic: string, partition: number): PartitionTracker {
    const key = trackerKey(topic, partition);
    let tracker = this.trackers.get(key);
    if (!tracker) {
      tracker = new PartitionTracker(topic, partition, topic === this.retryTopic);
      this.trackers.set(key, tracker);
    }
    return tracker;
  }

  /** How many more records may be fetched ahead (records waiting for their time do not count). */
  private freeCapacity(): number {
    let active = 0;
    for (const tracker of this.trackers.values()) active += tracker.unsettled - tracker.waiting;
    return this.spec.prefetch - active;
  }

  private async waitForCapacity(heartbeat: () => Promise<void>): Promise<void> {
    const interval = this.deps.options.heartbeatIntervalMs;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval);
      this.capacityWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    // kafkajs heartbeats between batches only; this batch is waiting, so it must.
    await heartbeat();
  }

  private wakeCapacityWaiters(): void {
    if (this.capacityWaiters.length === 0) return;
    if (!this.stopping && this.freeCapacity() <= 0) return;
    for (const wake of this.capacityWaiters.splice(0)) wake();
  }

  /** Too many retry copies waiting for their time: stop fetching the retry topic for a while. */
  private applyRetryPause(): void {
    if (this.stopping) return;
    let waiting = 0;
    for (const tracker of this.trackers.values()) waiting += tracker.waiting;
    const pause = waiting >= this.spec.prefetch;
    if (pause === this.retryPaused) return;
    this.retryPaused = pause;
    const topics = [{ topic: this.retryTopic }];
    try {
      if (pause) this.consumer.pause(topics);
      else this.consumer.resume(topics);
    } catch {
      this.retryPaused = !pause; // Not running (restarting); the next join applies it.
    }
  }

  private pauseAll(): void {
    try {
      this.consumer.pause([...this.subscribed].map((topic) => ({ topic })));
    } catch {
      // Not running: nothing is fetched anyway.
    }
  }

  private revokedMessage(tracker: PartitionTracker): string {
    return `Partition ${tracker.topic}[${tracker.partition}] was reassigned to another member of "${this.spec.queue}" before the transaction committed; it will be delivered there`;
  }

  private warn(what: string, error: unknown): void {
    this.deps.logger.warn(`kafka ${this.spec.queue}: ${what}`, { error: errorMessage(error) });
  }
}

function trackerKey(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransportUnavailableError(`Kafka: ${what} within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
