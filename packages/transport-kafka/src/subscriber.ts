import {
  type DeliveryHandler,
  type InboundMessage,
  type Logger,
  type Settlement,
  type Subscription,
  type SubscriptionSpec,
  errorMessage,
} from '@switchyard/core';
import type {
  EachBatchPayload,
  IMemberAssignment,
  Kafka,
  KafkaMessage,
  Transaction,
} from 'kafkajs';
import { Delivery } from './delivery';
import { CapacityGate, type CapacitySource } from './capacity-gate';
import { Dispatcher, type DeliveryRunner } from './dispatcher';
import { GroupMember } from './group-member';
import { readHeaders } from './headers';
import { toInbound } from './inbound';
import { OffsetCommitter } from './offset-committer';
import type { KafkaOptions } from './options';
import { PartitionTracker } from './partition-tracker';
import type { KafkaPublisher } from './publisher';
import { Settler } from './settler';
import type { TopicRegistry } from './topic-registry';
import { TopicPlanner } from './topic-plan';
import type { Topology } from './topology';
import { commitInTransaction } from './transactional-offset';

/** What a subscription shares with its transport. */
export interface SubscriberDeps {
  readonly kafka: Kafka;
  readonly options: KafkaOptions;
  readonly topology: Topology;
  readonly topics: TopicRegistry;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
}

const REDELIVER_AFTER_HANDLER_FAILURE: Settlement = { kind: 'retry', delayMs: 1_000, headers: {} };

/**
 * One queue consumed as a Kafka consumer group (`group.id` = the queue): its topics and its retry
 * topic, handed to the handler with per-key order, at most `concurrency` at once, at most
 * `prefetch` fetched ahead, committing each partition only up to its first unsettled record.
 */
export class KafkaSubscriber implements Subscription, DeliveryRunner, CapacitySource {
  private readonly member: GroupMember;
  private readonly trackers = new Map<string, PartitionTracker>();
  private readonly dispatcher: Dispatcher;
  private readonly committer: OffsetCommitter;
  private readonly settler: Settler;
  private readonly retryTopic: string;
  private readonly planner: TopicPlanner;
  private readonly capacity: CapacityGate;
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
    this.dispatcher = new Dispatcher(spec.concurrency, this);
    this.capacity = new CapacityGate(spec.prefetch, this, options.heartbeatIntervalMs);
    this.planner = new TopicPlanner(
      spec.patterns,
      this.retryTopic,
      deps.topics,
      options.startFrom,
      topology,
    );
    this.member = new GroupMember(deps.kafka, spec.queue, options, {
      onJoin: (assignment) => this.onJoin(assignment),
      onBatch: (payload) => this.onBatch(payload),
      onFilteredBatch: (topic, partition, lastOffset) =>
        this.onFilteredBatch(topic, partition, lastOffset),
      onLeave: () => this.onLeave(),
      plan: () => this.planner.plan(true),
      warn: (what, error) => this.warn(what, error),
    });
    this.committer = new OffsetCommitter(
      (offsets) => this.member.commit(offsets),
      (error) => this.warn('commit failed, will retry', error),
    );
    const deadLetterTopic = topology.deadLetterTopic(spec.queue);
    this.settler = new Settler(
      deps.publisher,
      this.retryTopic,
      deadLetterTopic,
      () => deps.topics.ensure(deadLetterTopic, 1),
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
    return this.member.topics;
  }

  /** Records fetched by this member and not yet settled (waiting retry copies included). */
  get unsettled(): number {
    let count = 0;
    for (const tracker of this.trackers.values()) count += tracker.unsettled;
    return count;
  }

  /** Whether `close()` (or `abort()`) was called. */
  get isClosing(): boolean {
    return this.stopping;
  }

  /** Creates the topics, joins the group and resolves once partitions are assigned. */
  async start(): Promise<void> {
    await this.member.start(await this.planner.initial());
    this.planner.watch(this.deps.options.topicRefreshMs, () => this.followTopics());
  }

  /** Stops fetching, finishes what was handed out (and what precedes it), commits, leaves. */
  close(): Promise<void> {
    this.closed ??= this.drain();
    return this.closed;
  }

  /**
   * Leaves the group now, without waiting for handlers (after the app's drain deadline); with
   * `commit` false, not even committing what was settled (what a killed process does).
   */
  async abort(commit = true): Promise<void> {
    this.beginStop();
    if (commit) await this.committer.flush().catch(() => undefined);
    // What is still running belongs to whoever gets the partitions next.
    for (const tracker of this.trackers.values()) tracker.revoke();
    this.committer.stop();
    await this.member.leave();
  }

  /** Commits `delivery`'s offset inside `transaction`, then the transaction (exactly-once). */
  commitInTransaction(delivery: Delivery, transaction: Transaction): Promise<void> {
    const { dispatcher, committer, spec } = this;
    return commitInTransaction(delivery, transaction, spec.queue, dispatcher, committer);
  }

  /** Rejoins when the topics a wildcard matches changed (created or deleted). */
  private async followTopics(): Promise<void> {
    if (this.stopping) return;
    await this.member.update(await this.planner.plan(false));
  }

  /** The consumer leaves (to rejoin): batches waiting for capacity give up, commits wait. */
  private onLeave(): void {
    this.batchEpoch++;
    this.committer.enabled = false;
    this.capacity.open();
  }

  private onFilteredBatch(topic: string, partition: number, lastOffset: number): void {
    // A batch of only aborted records or markers never reaches eachBatch; move past it.
    const tracker = this.trackers.get(trackerKey(topic, partition));
    if (!tracker || this.stopping) return;
    tracker.fetchedEnd = Math.max(tracker.fetchedEnd, lastOffset + 1);
    this.committer.touch(tracker);
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
    this.committer.enabled = true;
    this.committer.kick();
    this.retryPaused = false;
    this.applyRetryPause();
    this.capacity.check();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat } = payload;
    if (this.stopping) return;
    const epoch = this.batchEpoch;
    const tracker = this.tracker(batch.topic, batch.partition);
    let free = this.capacity.room();
    let resolved: string | undefined;
    for (const record of batch.messages) {
      const offset = Number(record.offset);
      // After a rejoin Kafka sends again what this member already has; skip it.
      if (offset > tracker.highestSeen) {
        while (free <= 0) {
          if (resolved !== undefined) resolveOffset(resolved);
          this.dispatcher.pump();
          await this.capacity.wait(heartbeat);
          if (epoch !== this.batchEpoch || !payload.isRunning() || payload.isStale()) return;
          free = this.capacity.room();
        }
        this.accept(tracker, record, offset);
        free--;
      }
      resolved = record.offset;
    }
    if (resolved !== undefined) resolveOffset(resolved);
    tracker.fetchedEnd = Math.max(tracker.fetchedEnd, Number(batch.lastOffset()) + 1);
    this.dispatcher.pump();
    this.applyRetryPause();
  }

  private accept(tracker: PartitionTracker, record: KafkaMessage, offset: number): void {
    const read = readHeaders(record.headers);
    const topic = tracker.isRetryTopic ? (read.originalTopic ?? tracker.topic) : tracker.topic;
    const delivery = new Delivery(tracker, offset, read.deliverAt);
    delivery.message = toInbound(record, read, tracker, topic, this.spec.queue, delivery);
    tracker.add(delivery);
    const wait = read.deliverAt === 0 ? 0 : read.deliverAt - Date.now();
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
    const due = (): void => {
      delivery.timer = undefined;
      if (delivery.state !== 'waiting' || tracker.revoked) return;
      // Timers may fire a millisecond early; the promise is "no earlier than".
      const early = delivery.deliverAt - Date.now();
      if (early > 0) {
        delivery.timer = setTimeout(due, early);
        return;
      }
      tracker.waiting--;
      this.enterLane(delivery);
      this.dispatcher.pump();
      this.applyRetryPause();
    };
    delivery.timer = setTimeout(due, Math.max(0, waitMs));
  }

  /** Runs a delivery the dispatcher gave a slot (for the dispatcher only). */
  runDelivery(delivery: Delivery): void {
    const { tracker, message } = delivery;
    if (delivery.offset > tracker.highestDispatched) tracker.highestDispatched = delivery.offset;
    if (this.spec.ackMode === 'before-handler') {
      tracker.ack(delivery);
      this.committer.touch(tracker);
    }
    const settlement = this.handler(message);
    if (settlement instanceof Promise) {
      settlement.then(
        (settled) => this.onSettled(delivery, settled),
        (error: unknown) => {
          this.warn('the delivery handler rejected; redelivering', error);
          this.onSettled(delivery, REDELIVER_AFTER_HANDLER_FAILURE);
        },
      );
    } else {
      // Settled now, in this turn. The dispatcher's `pump` (which called this) ignores the pumps
      // `onSettled` asks for and goes on with its own loop once this returns.
      this.onSettled(delivery, settlement);
    }
  }

  private onSettled(delivery: Delivery, settlement: Settlement): void {
    this.dispatcher.release();
    if (delivery.tracker.revoked) {
      // Its partition now belongs to another member, which delivers it again.
      this.dispatcher.pump();
      return;
    }
    if (settlement.kind === 'ack' || delivery.committedInTransaction) this.finish(delivery);
    else void this.settler.apply(delivery, settlement);
    this.dispatcher.pump();
  }

  private finish(delivery: Delivery): void {
    const { tracker } = delivery;
    if (tracker.revoked) return;
    const next = tracker.settle(delivery);
    if (next && next.state === 'queued') this.dispatcher.push(next);
    this.committer.touch(tracker);
    this.dispatcher.pump();
    this.capacity.check();
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

  private async drain(): Promise<void> {
    this.beginStop();
    await this.member.idle();
    this.member.pause(this.member.topics, true);
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
    await this.member.leave();
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
    this.capacity.open();
    this.planner.stop();
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
  freeCapacity(): number {
    let active = 0;
    for (const tracker of this.trackers.values()) active += tracker.unsettled - tracker.waiting;
    return this.spec.prefetch - active;
  }

  /** Too many retry copies waiting for their time: stop fetching the retry topic for a while. */
  private applyRetryPause(): void {
    if (this.stopping) return;
    let waiting = 0;
    for (const tracker of this.trackers.values()) waiting += tracker.waiting;
    const pause = waiting >= this.spec.prefetch;
    if (pause !== this.retryPaused && this.member.pause([this.retryTopic], pause)) {
      this.retryPaused = pause;
    }
  }

  private warn(what: string, error: unknown): void {
    this.deps.logger.warn(`kafka ${this.spec.queue}: ${what}`, { error: errorMessage(error) });
  }
}

function trackerKey(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}
