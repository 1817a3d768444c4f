import { randomUUID } from 'node:crypto';
import {
  DeadLetterHeaders,
  FIRST_FAILURE_HEADER,
  type Logger,
  type MessageHeaders,
  type DeadLetterSettlement,
  type RetrySettlement,
  type Settlement,
  errorMessage,
} from '@switchyard/core';
import type { Redis } from 'ioredis';
import { AckBatcher } from './ack-batcher';
import type { Delivery } from './delivery';
import { toFields } from './headers';
import type { DelayedScheduler } from './scheduler';
import type { RedisScripts } from './scripts';
import type { RedisTopology } from './topology';

/** Reason of a dead letter whose Redis delivery count passed the queue's attempts. */
export const REDELIVERY_LIMIT_REASON = 'SWY_REDELIVERY_LIMIT';

/** What a settler needs to know about its subscription. */
export interface SettlerContext {
  readonly redis: Redis;
  readonly scripts: RedisScripts;
  readonly topology: RedisTopology;
  readonly scheduler: DelayedScheduler;
  readonly queue: string;
  /** `Class.method` of the queue's handler, when known (`SubscriptionSpec.handler`). */
  readonly handler: string | undefined;
  readonly deadLetterMaxLen: number;
  readonly logger: Logger;
}

/**
 * Applies settlements in Redis. An ack is an `XACK` (batched); a retry stores a copy with
 * `attempt + 1` for the queue's own stream, due after the backoff, and acknowledges the original
 * in the same script; a dead letter is added to the queue's dead-letter stream and the original
 * acknowledged in the same script. When a step fails the entry stays pending and is redelivered.
 */
export class Settler {
  private readonly acks: AckBatcher;
  private sentAcks = 0;

  constructor(
    private readonly context: SettlerContext,
    /** Called when a settlement given to `settle` is applied, or failed and was reported. */
    private readonly settled: (delivery: Delivery) => void,
    /** Called when acknowledgements were sent (`acking` grew). */
    onAcking: () => void = () => undefined,
  ) {
    this.acks = new AckBatcher(
      context.redis,
      context.queue,
      (delivery, error) => {
        this.sentAcks--;
        if (error === undefined) delivery.acked = true;
        else this.report(delivery, 'ack', error);
        this.settled(delivery);
      },
      (count) => {
        this.sentAcks += count;
        onAcking();
      },
    );
  }

  /** Deliveries given to `settle` whose `XACK` is sent and not answered yet. */
  get acking(): number {
    return this.sentAcks;
  }

  /** Acknowledges a delivery (for at-most-once, before its handler runs). */
  async ack(delivery: Delivery): Promise<void> {
    await this.acks.ack(delivery.stream, delivery.entryId);
    delivery.acked = true;
  }

  /**
   * Applies `settlement`, then calls `settled(delivery)`; never throws (a failure leaves the entry
   * pending, to be redelivered).
   */
  settle(delivery: Delivery, settlement: Settlement): void {
    if (settlement.kind === 'ack') {
      // The hot path: no promise or closure per message; the batch calls back.
      if (delivery.acked) this.settled(delivery);
      else this.acks.add(delivery);
      return;
    }
    void this.apply(delivery, settlement).then(() => this.settled(delivery));
  }

  private report(delivery: Delivery, kind: Settlement['kind'], error: unknown): void {
    this.context.logger.warn(
      `Could not ${kind} message ${delivery.message.id} of ${this.context.queue}; it stays pending and will be redelivered`,
      { error: errorMessage(error) },
    );
  }

  /** Dead-letters a delivery Redis handed out more often than the queue allows attempts. */
  async redeliveryLimit(delivery: Delivery, maxAttempts: number): Promise<void> {
    const { message } = delivery;
    const now = new Date().toISOString();
    const { handler } = this.context;
    await this.apply(delivery, {
      kind: 'dead-letter',
      headers: {
        ...(handler === undefined ? {} : { [DeadLetterHeaders.handler]: handler }),
        [DeadLetterHeaders.reason]: REDELIVERY_LIMIT_REASON,
        [DeadLetterHeaders.error]: `Delivered ${message.attempt} times without being settled (its consumers stopped or lost their connection while handling it); the queue allows ${maxAttempts} attempts`,
        [DeadLetterHeaders.originalTopic]: message.topic,
        [DeadLetterHeaders.queue]: this.context.queue,
        [DeadLetterHeaders.attempts]: String(message.attempt - 1),
        [DeadLetterHeaders.firstFailureAt]: message.headers[FIRST_FAILURE_HEADER] ?? now,
        [DeadLetterHeaders.lastFailureAt]: now,
      },
    });
  }

  /** Applies a retry or dead-letter settlement; never rejects (a failure is reported). */
  private apply(
    delivery: Delivery,
    settlement: RetrySettlement | DeadLetterSettlement,
  ): Promise<void> {
    const applying =
      settlement.kind === 'retry'
        ? this.retry(delivery, settlement)
        : this.deadLetter(delivery, settlement.headers);
    return applying.catch((error: unknown) => this.report(delivery, settlement.kind, error));
  }

  private async retry(delivery: Delivery, settlement: RetrySettlement): Promise<void> {
    const { scripts, topology, queue } = this.context;
    const { message } = delivery;
    const member = randomUUID();
    const fields = toFields(message, {
      topic: message.topic,
      attempt: message.attempt + 1,
      headers: settlement.headers,
    });
    await scripts.schedule(
      { set: topology.delayedSet, entry: topology.delayedEntryPrefix + member, member },
      settlement.delayMs,
      topology.queueStream(queue),
      fields,
      this.pendingAck(delivery),
    );
    delivery.acked = true;
    this.context.scheduler.expect(settlement.delayMs);
  }

  private async deadLetter(delivery: Delivery, headers: MessageHeaders): Promise<void> {
    const { scripts, topology, queue, deadLetterMaxLen } = this.context;
    const { message } = delivery;
    const fields = toFields(message, { topic: message.topic, headers });
    await scripts.deadLetter(
      topology.deadLetterStream(queue),
      deadLetterMaxLen,
      fields,
      this.pendingAck(delivery),
    );
    delivery.acked = true;
  }

  private pendingAck(delivery: Delivery) {
    if (delivery.acked) return undefined;
    return { stream: delivery.stream, group: this.context.queue, entryId: delivery.entryId };
  }
}
