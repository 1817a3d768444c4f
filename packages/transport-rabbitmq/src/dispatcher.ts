import type { InboundMessage } from '@switchyard/core';
import type { Channel, Message } from 'amqplib';

/** A message fetched from RabbitMQ on one channel, waiting for a handler or held by one. */
export interface Delivery {
  readonly raw: Message;
  /** Acks and nacks go to this channel; once it is closed the broker redelivers the message. */
  readonly channel: Channel;
  message: InboundMessage;
  /** Acknowledged already (at-most-once: just before the handler ran). */
  acked: boolean;
  /** Re-queued locally for a retry in place: it keeps its key's turn. */
  holdsKey: boolean;
}

/**
 * Hands fetched deliveries to handlers: at most `concurrency` at once, in fetch order, and — for an
 * ordered subscription — one at a time per key, so a later message never overtakes an earlier one
 * with the same key.
 */
export class Dispatcher {
  private waiting: Delivery[] = [];
  private readonly busyKeys = new Set<string>();
  private running = 0;
  private paused = false;
  /** Inside `pump`'s loop, which a delivery done with at once must not start again from within. */
  private pumping = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly ordered: boolean,
    /**
     * Runs a delivery; `true` when it keeps its key held (a retry in place). A plain value means
     * the delivery is done with already.
     */
    private readonly run: (delivery: Delivery) => boolean | Promise<boolean>,
  ) {}

  /** Queues a freshly fetched delivery behind the others. */
  add(delivery: Delivery): void {
    this.waiting.push(delivery);
    this.pump();
  }

  /** Puts a delivery that kept its key back at the front, ahead of every later one. */
  resume(delivery: Delivery): void {
    delivery.holdsKey = true;
    this.waiting.unshift(delivery);
    this.pump();
  }

  /** Lets go of a key a delivery kept (its retry in place was abandoned). */
  releaseKey(delivery: Delivery): void {
    const key = delivery.message.key;
    if (this.ordered && key !== undefined) this.busyKeys.delete(key);
  }

  /** Removes and returns the waiting deliveries that `match`. */
  take(match: (delivery: Delivery) => boolean): Delivery[] {
    const taken = this.waiting.filter(match);
    if (taken.length === 0) return taken;
    this.waiting = this.waiting.filter((delivery) => !match(delivery));
    for (const delivery of taken) if (delivery.holdsKey) this.releaseKey(delivery);
    this.pump();
    return taken;
  }

  /** Starts no more handlers (the subscription is closing); waiting deliveries stay until taken. */
  pause(): void {
    this.paused = true;
  }

  /** Resolves once no handler is running. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  private pump(): void {
    if (this.paused || this.pumping) return;
    this.pumping = true;
    try {
      let index = 0;
      while (this.running < this.concurrency && index < this.waiting.length) {
        const delivery = this.waiting[index];
        const key = this.ordered ? delivery.message.key : undefined;
        if (key !== undefined && !delivery.holdsKey && this.busyKeys.has(key)) {
          index++;
          continue;
        }
        if (index === 0) this.waiting.shift();
        else this.waiting.splice(index, 1);
        if (key !== undefined) this.busyKeys.add(key);
        delivery.holdsKey = false;
        // Done with at once: its key is free again. Look again from the front, so a delivery
        // skipped above can never be overtaken by a later one with its key.
        if (this.start(delivery)) index = 0;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Starts a delivery; `true` when it was done with at once (its `done` ran already). */
  private start(delivery: Delivery): boolean {
    this.running++;
    const holdKey = this.run(delivery);
    if (holdKey instanceof Promise) {
      void holdKey.then((held) => this.done(delivery, held));
      return false;
    }
    this.done(delivery, holdKey);
    return true;
  }

  /** A delivery is done with: its slot (and, unless it holds it, its key) passes on. */
  private done(delivery: Delivery, holdKey: boolean): void {
    this.running--;
    if (!holdKey) this.releaseKey(delivery);
    if (this.running === 0 && this.idle) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
    // Inside `pump` (a delivery done with at once) this returns at once; the loop goes on.
    this.pump();
  }
}
