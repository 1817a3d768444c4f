import type {
  DeadLetterSettlement,
  InboundMessage,
  RetrySettlement,
  Settlement,
} from '@switchyard/core';
import type { Delivery } from './delivery';
import { KafkaHeaders } from './headers';
import type { KafkaPublisher } from './publisher';
import { copyRecord } from './records';

/** What the settler asks of its subscription. */
export interface SettlerHooks {
  /** The delivery is settled: its offset may be committed and its key's next record run. */
  finish(delivery: Delivery): void;
  /** Deliver `message` again from this process after `delayMs`, keeping the key's place. */
  redeliverLater(delivery: Delivery, message: InboundMessage, delayMs: number): void;
  onError(error: unknown): void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Applies a handler's settlement. A retry of an `ordered` subscription waits in this process,
 * holding its key (later records of the key wait behind it) and the partition's commit point;
 * any other retry becomes a copy in the queue's retry topic, due after its backoff, and the
 * original is acknowledged — the partition moves on. A dead letter is a copy in the queue's
 * dead-letter topic (one partition, so it keeps the order letters arrived in); the original is
 * acknowledged only once Kafka has the copy.
 */
export class Settler {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly retryTopic: string,
    private readonly deadLetterTopic: string,
    /** Creates the dead-letter topic, with one partition, before its first letter. */
    private readonly ensureDeadLetterTopic: () => Promise<void>,
    private readonly ordered: boolean,
    private readonly hooks: SettlerHooks,
  ) {}

  async apply(delivery: Delivery, settlement: Settlement): Promise<void> {
    // A transaction already committed this message's offset: nothing else may happen to it.
    if (settlement.kind === 'ack' || delivery.committedInTransaction) {
      this.hooks.finish(delivery);
    } else if (settlement.kind === 'retry') {
      await this.retry(delivery, settlement);
    } else {
      await this.deadLetter(delivery, settlement);
    }
  }

  /** Moves a record not yet due (a delayed publish) to the retry topic, where it waits. */
  async postpone(delivery: Delivery): Promise<boolean> {
    const { message } = delivery;
    try {
      await this.publisher.send(
        this.retryTopic,
        copyRecord(message, {
          [KafkaHeaders.attempt]: String(message.attempt),
          [KafkaHeaders.deliverAt]: String(delivery.deliverAt),
          [KafkaHeaders.originalTopic]: message.topic,
        }),
      );
    } catch (error) {
      this.hooks.onError(error);
      return false;
    }
    this.hooks.finish(delivery);
    return true;
  }

  private async retry(delivery: Delivery, settlement: RetrySettlement): Promise<void> {
    const { message } = delivery;
    const again: InboundMessage = {
      ...message,
      headers: { ...message.headers, ...settlement.headers },
      attempt: message.attempt + 1,
    };
    if (this.ordered) {
      this.hooks.redeliverLater(delivery, again, settlement.delayMs);
      return;
    }
    try {
      await this.publisher.send(
        this.retryTopic,
        copyRecord(message, {
          ...settlement.headers,
          [KafkaHeaders.attempt]: String(again.attempt),
          [KafkaHeaders.deliverAt]: String(Date.now() + settlement.delayMs),
          [KafkaHeaders.originalTopic]: message.topic,
        }),
      );
    } catch (error) {
      // The copy is not safe: keep the original and retry it from here instead.
      this.hooks.onError(error);
      this.hooks.redeliverLater(delivery, again, settlement.delayMs);
      return;
    }
    this.hooks.finish(delivery);
  }

  private async deadLetter(delivery: Delivery, settlement: DeadLetterSettlement): Promise<void> {
    const record = copyRecord(delivery.message, settlement.headers);
    for (let failures = 0; !delivery.tracker.revoked; failures++) {
      try {
        await this.ensureDeadLetterTopic();
        await this.publisher.send(this.deadLetterTopic, record);
        this.hooks.finish(delivery);
        return;
      } catch (error) {
        // Never acknowledge a message whose dead letter is not stored; try until it is.
        this.hooks.onError(error);
        const backoff = Math.min(MAX_BACKOFF_MS, 200 * 2 ** failures);
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  }
}
