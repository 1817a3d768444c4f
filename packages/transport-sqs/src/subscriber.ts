import type { Message } from '@aws-sdk/client-sqs';
import {
  type DeliveryHandler,
  type Logger,
  type Settlement,
  type Subscription,
  type SubscriptionSpec,
  errorMessage,
  isWildcard,
} from '@switchyard/core';
import { VisibilityHeartbeat } from './heartbeat';
import { DeliveryBuffer } from './delivery-buffer';
import { type Received, toReceived } from './inbound';
import { type PatternSet, patternSet, sortIntake } from './intake';
import { Poller } from './poller';
import type { QueueClient } from './queue-client';
import type { RetryHeaders } from './retry-headers';
import type { Settler } from './settler';
import type { SubscriptionSettings } from './subscription-settings';

/** How long a closing subscriber lets a receive in flight finish before aborting it. */
const CLOSE_GRACE_MS = 100;

/** What a subscriber works with. */
export interface SubscriberDeps {
  readonly spec: SubscriptionSpec;
  readonly settings: SubscriptionSettings;
  readonly handler: DeliveryHandler;
  readonly queue: QueueClient;
  readonly settler: Settler;
  readonly retryHeaders: RetryHeaders;
  readonly logger: Logger;
}

type State = 'running' | 'closing' | 'closed' | 'crashed';

/**
 * Consumes one queue: long-polls it with up to `prefetch` messages held, runs at most
 * `concurrency` handlers at once (on an ordered queue, one per message group, in order), keeps
 * held messages invisible while they wait or run, and applies each settlement.
 *
 * Before a message reaches the handler: one published with a delay that is not yet due is made
 * invisible until it is (its attempt does not count that receive); one whose topic does not match
 * the queue's patterns (SNS filter policies can only approximate word wildcards) is deleted.
 */
export class SqsSubscriber implements Subscription {
  private readonly buffer: DeliveryBuffer;
  /** Settlements and give-backs sent but not yet confirmed. */
  private pendingWork = 0;
  private workDone: (() => void)[] = [];
  private readonly pollers: Poller[];
  private readonly heartbeat: VisibilityHeartbeat;
  private readonly matches: PatternSet;
  private readonly fallbackTopic: string;
  private readonly lowWater: number;
  private running = 0;
  /** Inside `pump`'s loop, which a message settled at once must not start again from within. */
  private pumping = false;
  private held = 0;
  private reserved = 0;
  /** The last receive returned all it asked for: more messages are probably waiting. */
  private backlog = true;
  private state: State = 'running';
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: SubscriberDeps) {
    const { spec, settings, queue, logger } = deps;
    this.buffer = new DeliveryBuffer(spec.ordered);
    this.heartbeat = new VisibilityHeartbeat(queue, settings.visibilityTimeoutSeconds, logger);
    this.matches = patternSet(spec.patterns);
    this.fallbackTopic = spec.patterns.find((pattern) => !isWildcard(pattern)) ?? spec.queue;
    // Ask for messages only when a worthwhile batch fits, not one at a time.
    this.lowWater = Math.min(10, Math.max(1, Math.floor(spec.prefetch / (2 * settings.receivers))));
    const hooks = { reserve: () => this.reserve(), accept: this.accept };
    this.pollers = Array.from(
      { length: settings.receivers },
      () => new Poller(queue, settings, hooks, logger),
    );
  }

  /** Starts polling. */
  start(): void {
    for (const poller of this.pollers) poller.start();
  }

  /**
   * Stops polling, gives back (makes visible at once) every message fetched but not yet
   * delivered, waits for running handlers and for their settlements to be confirmed.
   */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  /**
   * Stops at once as a killed process would: nothing is settled, given back or kept alive, so
   * every held message reappears when its visibility timeout runs out. For tests of crashes.
   */
  crash(): void {
    this.state = 'crashed';
    this.wakeRoomWaiters();
    for (const poller of this.pollers) void poller.stop(0);
    this.heartbeat.stop();
    this.buffer.removeAll();
  }

  private async drain(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'closing';
    this.wakeRoomWaiters();
    // Give back first, then stop the pollers: a long poll still waiting takes the given-back
    // messages and returns (its owner gives them back again) instead of being aborted, since an
    // aborted long poll may still take the next message that becomes visible, hiding it until
    // its visibility timeout.
    const undelivered = this.buffer.removeAll();
    this.held -= undelivered.length;
    this.release(undelivered);
    await Promise.all(this.pollers.map((poller) => poller.stop(CLOSE_GRACE_MS)));
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.pendingWork > 0) await new Promise<void>((resolve) => this.workDone.push(resolve));
    await this.deps.queue.flush();
    this.heartbeat.stop();
    if (this.state === 'closing') this.state = 'closed';
  }

  private async reserve(): Promise<number> {
    for (;;) {
      if (this.state !== 'running') return 0;
      const room = this.deps.spec.prefetch - this.held - this.reserved;
      // With every handler busy and the queue drained, a new message is better left to an idle
      // competitor's long poll than fetched to wait here; with a backlog, prefetch hides latency.
      const idle = this.deps.spec.concurrency - this.running - this.buffer.runnable();
      if (room >= this.lowWater && (this.backlog || idle > 0)) {
        const count = Math.min(10, room);
        this.reserved += count;
        return count;
      }
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  private readonly accept = (messages: Message[], reserved: number): void => {
    this.reserved -= reserved;
    if (reserved > 0) this.backlog = messages.length >= reserved;
    if (this.state === 'crashed' || messages.length === 0) {
      if (reserved > 0) this.wakeRoomWaiters();
      return;
    }
    const { spec, retryHeaders } = this.deps;
    const received = messages.map((raw) =>
      toReceived(raw, spec.queue, this.fallbackTopic, retryHeaders.recall(raw.MessageId ?? '')),
    );
    if (this.state !== 'running') {
      this.release(received);
      return;
    }
    const now = Date.now();
    const intakes = sortIntake(received, now, this.matches);
    received.forEach((message, index) => {
      switch (intakes[index]) {
        case 'deliver':
          this.buffer.push(message);
          this.held++;
          this.heartbeat.track(message.receiptHandle);
          return;
        case 'hold':
          this.track(
            this.deps.queue.changeVisibility(
              message.receiptHandle,
              ((message.deliverAt ?? now) - now) / 1000,
            ),
          );
          return;
        case 'drop':
          this.track(this.deps.queue.delete(message.receiptHandle));
          return;
        case 'release':
          this.release([message]);
      }
    });
    this.wakeRoomWaiters();
    this.pump();
  };

  private pump(): void {
    // A message settled at once finishes inside `run`, whose `finish` pumps again: the loop below
    // goes on instead, so the stack stays flat however many messages are buffered.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.running < this.deps.spec.concurrency && this.state === 'running') {
        const message = this.buffer.take();
        if (!message) return;
        this.running++;
        this.run(message);
      }
    } finally {
      this.pumping = false;
    }
  }

  private run(received: Received): void {
    if (this.deps.spec.ackMode === 'before-handler') {
      void this.runAtMostOnce(received);
      return;
    }
    const settlement = this.deps.handler(received.message);
    if (settlement instanceof Promise) {
      void settlement.then((settled) => this.settle(received, settled));
    } else {
      this.settle(received, settlement);
    }
  }

  /** Applies the handler's settlement of an at-least-once message, then frees its slot. */
  private settle(received: Received, settlement: Settlement): void {
    try {
      if (this.state === 'crashed') return;
      this.heartbeat.untrack(received.receiptHandle);
      if (settlement.kind === 'retry' && this.deps.spec.ordered && received.group !== undefined) {
        this.releaseGroup(received.group);
      }
      this.track(this.deps.settler.apply(received, settlement));
    } finally {
      this.finish(received);
    }
  }

  /** At-most-once: the handler runs only once SQS confirmed the delete. */
  private async runAtMostOnce(received: Received): Promise<void> {
    const { handler, settler, queue } = this.deps;
    try {
      await queue.delete(received.receiptHandle);
      this.heartbeat.untrack(received.receiptHandle);
      const settlement = await handler(received.message);
      if (settlement.kind === 'dead-letter') {
        this.track(settler.deadLetter(received, settlement.headers));
      }
    } catch (error) {
      // Only the delete of an at-most-once message gets here: not acknowledged, so not handled;
      // it comes back after its visibility timeout.
      this.deps.logger.warn('SQS delete before the handler failed; the message will come back', {
        queue: this.deps.spec.queue,
        error: errorMessage(error),
      });
    } finally {
      this.finish(received);
    }
  }

  private finish(received: Received): void {
    this.heartbeat.untrack(received.receiptHandle);
    this.running--;
    this.held--;
    this.buffer.finished(received);
    this.wakeRoomWaiters();
    if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.pump();
  }

  /** Gives back the buffered messages of a group whose head is being retried, keeping order. */
  private releaseGroup(group: string): void {
    const later = this.buffer.removeGroup(group);
    this.held -= later.length;
    this.release(later);
  }

  /** Makes messages visible again at once, for another consumer (or this one) to take. */
  private release(messages: readonly Received[]): void {
    for (const message of messages) {
      this.heartbeat.untrack(message.receiptHandle);
      this.track(this.deps.queue.changeVisibility(message.receiptHandle, 0));
    }
  }

  private track(operation: Promise<void>): void {
    this.pendingWork++;
    operation.then(this.workFinished, (error: unknown) => {
      this.deps.logger.warn('SQS settlement failed; the message will be redelivered', {
        queue: this.deps.spec.queue,
        error: errorMessage(error),
      });
      this.workFinished();
    });
  }

  private readonly workFinished = (): void => {
    if (--this.pendingWork === 0) for (const resolve of this.workDone.splice(0)) resolve();
  };

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
