import {
  type DeadLetter,
  type DeliveryHandler,
  type InboundMessage,
  type Settlement,
  type SubscriptionSpec,
  type TopicMatcher,
  compilePattern,
} from '@switchyard/core';
import { type StoredMessage, toInbound } from './stored-message';

interface Delivery {
  readonly stored: StoredMessage;
  /** Acknowledged before the handler finished (at-most-once, or a committed transaction). */
  acked: boolean;
  /** The consumer vanished; the message was requeued and this delivery's verdict is void. */
  abandoned: boolean;
}

/** One competing consumer attached to a queue. */
export class MemoryConsumer {
  readonly inFlight = new Set<Delivery>();
  closing = false;
  private idle: (() => void) | undefined;

  constructor(
    readonly queue: MemoryQueue,
    readonly spec: SubscriptionSpec,
    readonly handler: DeliveryHandler,
  ) {}

  get hasCapacity(): boolean {
    return !this.closing && this.inFlight.size < this.spec.concurrency;
  }

  /** Stops taking messages and resolves once every delivered one is settled. */
  close(): Promise<void> {
    this.closing = true;
    this.queue.detach(this);
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  /** Vanishes as a crashed process would: unsettled messages go back to the queue. */
  abort(): void {
    this.closing = true;
    this.queue.detach(this);
    this.queue.requeueUnsettled(this);
    this.idle?.();
  }

  settled(delivery: Delivery): void {
    this.inFlight.delete(delivery);
    if (this.closing && this.inFlight.size === 0) this.idle?.();
  }
}

/**
 * A durable queue of the in-memory broker: bound to topic patterns, consumed by competing
 * consumers, with priorities, per-key ordering, delayed redelivery and a dead-letter list.
 */
export class MemoryQueue {
  readonly deadLetters: DeadLetter[] = [];
  private readonly ready: StoredMessage[] = [];
  private readonly consumers: MemoryConsumer[] = [];
  private readonly matchers = new Map<string, TopicMatcher>();
  private readonly keysInFlight = new Set<string>();
  private readonly deliveries = new WeakMap<InboundMessage, Delivery>();
  private ordered = false;
  private maxPriority = 0;
  private nextConsumer = 0;
  private pumpScheduled = false;

  constructor(readonly name: string) {}

  /** Binds more patterns and adopts the spec's ordering and priority settings. */
  declare(spec: SubscriptionSpec): void {
    for (const pattern of spec.patterns) {
      if (!this.matchers.has(pattern)) this.matchers.set(pattern, compilePattern(pattern));
    }
    this.ordered ||= spec.ordered;
    this.maxPriority = Math.max(this.maxPriority, spec.maxPriority);
  }

  matches(topic: string): boolean {
    for (const matcher of this.matchers.values()) if (matcher(topic)) return true;
    return false;
  }

  /** Messages waiting to be delivered. */
  get size(): number {
    return this.ready.length;
  }

  enqueue(stored: StoredMessage, delayMs = 0): void {
    if (delayMs > 0) {
      setTimeout(() => this.enqueue(stored), delayMs).unref();
      return;
    }
    if (this.maxPriority > 0) {
      const priority = Math.min(stored.message.priority ?? 0, this.maxPriority);
      let index = this.ready.length;
      while (index > 0 && (this.ready[index - 1].message.priority ?? 0) < priority) index--;
      this.ready.splice(index, 0, stored);
    } else {
      this.ready.push(stored);
    }
    this.schedulePump();
  }

  attach(consumer: MemoryConsumer): void {
    this.consumers.push(consumer);
    this.schedulePump();
  }

  detach(consumer: MemoryConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }

  /** Marks a delivered message acknowledged now (a committed transaction consumed it). */
  acknowledge(message: InboundMessage): void {
    const delivery = this.deliveries.get(message);
    if (delivery) delivery.acked = true;
  }

  requeueUnsettled(consumer: MemoryConsumer): void {
    for (const delivery of consumer.inFlight) {
      delivery.abandoned = true;
      this.unlockKey(delivery.stored);
      if (!delivery.acked)
        this.requeueFirst({ ...delivery.stored, attempt: delivery.stored.attempt + 1 });
    }
    consumer.inFlight.clear();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    let index = 0;
    while (index < this.ready.length) {
      const stored = this.ready[index];
      if (this.isKeyBusy(stored)) {
        index++;
        continue;
      }
      const consumer = this.nextFreeConsumer();
      if (!consumer) return;
      if (index === 0) this.ready.shift();
      else this.ready.splice(index, 1);
      this.deliver(consumer, stored);
    }
  }

  private deliver(consumer: MemoryConsumer, stored: StoredMessage): void {
    if (this.ordered && stored.message.key !== undefined) this.keysInFlight.add(stored.message.key);
    const delivery: Delivery = {
      stored,
      acked: consumer.spec.ackMode === 'before-handler',
      abandoned: false,
    };
    const inbound = toInbound(stored, this.name);
    this.deliveries.set(inbound, delivery);
    consumer.inFlight.add(delivery);
    const settlement = consumer.handler(inbound);
    // Settled now: apply it in this turn. `pump` walks `ready` with its own index, and `settle`
    // only unlocks keys, frees the slot and schedules the next pump, so this cannot disturb it.
    if (settlement instanceof Promise) {
      void settlement.then((settled) => this.settle(consumer, delivery, settled));
    } else {
      this.settle(consumer, delivery, settlement);
    }
  }

  private settle(consumer: MemoryConsumer, delivery: Delivery, settlement: Settlement): void {
    if (delivery.abandoned) return;
    const { stored } = delivery;
    switch (settlement.kind) {
      case 'ack':
        this.unlockKey(stored);
        break;
      case 'retry': {
        // The key stays locked until the retry is back at the head of the queue, so a failed
        // message is not overtaken by later ones with its key.
        const retried = {
          message: stored.message,
          headers: { ...stored.headers, ...settlement.headers },
          attempt: stored.attempt + 1,
        };
        setTimeout(() => {
          this.unlockKey(stored);
          this.requeueFirst(retried);
        }, settlement.delayMs).unref();
        break;
      }
      case 'dead-letter':
        this.deadLetters.push({
          id: stored.message.id,
          topic: stored.message.topic,
          key: stored.message.key,
          headers: { ...stored.headers, ...settlement.headers },
          body: stored.message.body,
          priority: stored.message.priority,
        });
        this.unlockKey(stored);
        break;
    }
    consumer.settled(delivery);
    this.schedulePump();
  }

  private requeueFirst(stored: StoredMessage): void {
    this.ready.unshift(stored);
    this.schedulePump();
  }

  private isKeyBusy(stored: StoredMessage): boolean {
    return (
      this.ordered && stored.message.key !== undefined && this.keysInFlight.has(stored.message.key)
    );
  }

  private unlockKey(stored: StoredMessage): void {
    if (stored.message.key !== undefined) this.keysInFlight.delete(stored.message.key);
  }

  private nextFreeConsumer(): MemoryConsumer | undefined {
    const count = this.consumers.length;
    for (let i = 0; i < count; i++) {
      const consumer = this.consumers[(this.nextConsumer + i) % count];
      if (consumer.hasCapacity) {
        this.nextConsumer = (this.nextConsumer + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }
}
