import type { RetrySettlement, Settlement } from '@switchyard/core';
import type { Delivery } from './delivery';

/** What the dispatcher needs from its subscription. */
export interface DispatchHooks {
  /**
   * Runs the handler: its settlement, itself when it is known at once; `undefined` abandons the
   * delivery unsettled (it stays pending in Redis).
   */
  handle(delivery: Delivery): Settlement | undefined | Promise<Settlement | undefined>;
  /**
   * Applies a settlement in Redis, then calls `Dispatcher.settled(delivery)` — also when it
   * failed (the entry then stays pending in Redis). Never throws.
   */
  settle(delivery: Delivery, settlement: Settlement): void;
  /** Called before an ordered message runs again in place, with its new delivery count. */
  beforeRetryInPlace(delivery: Delivery): Promise<void>;
  /** The delivery is done with (settled or abandoned): its prefetch slot is free. */
  finished(delivery: Delivery): void;
}

/**
 * Runs deliveries through the handler, at most `concurrency` at once. When `ordered`, deliveries
 * sharing a key run one at a time in the order they were added, and a retry of one is redelivered
 * in place after its backoff, ahead of the later messages with its key, which wait meanwhile.
 */
export class Dispatcher {
  private readonly ready: Delivery[] = [];
  private readonly blocked = new Map<string, Delivery[]>();
  private readonly heldKeys = new Set<string>();
  private readonly retrying = new Map<Delivery, NodeJS.Timeout>();
  private running = 0;
  private settling = 0;
  /** Inside `pump`'s loop, which a delivery settled at once must not start again from within. */
  private pumping = false;
  private count = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly ordered: boolean,
    private readonly hooks: DispatchHooks,
  ) {}

  /** Deliveries added and not yet finished or handed back. */
  get outstanding(): number {
    return this.count;
  }

  add(delivery: Delivery): void {
    this.count++;
    const key = this.keyOf(delivery);
    if (key !== undefined) {
      if (this.heldKeys.has(key)) {
        const queue = this.blocked.get(key);
        if (queue) queue.push(delivery);
        else this.blocked.set(key, [delivery]);
        return;
      }
      this.heldKeys.add(key);
    }
    this.ready.push(delivery);
    this.pump();
  }

  /**
   * Starts nothing more and returns every delivery not running: waiting for a slot, for its key,
   * or for an in-place retry. They are no longer counted.
   */
  stop(): Delivery[] {
    this.stopped = true;
    const unstarted = [...this.ready, ...[...this.blocked.values()].flat()];
    for (const [delivery, timer] of this.retrying) {
      clearTimeout(timer);
      unstarted.push(delivery);
    }
    this.ready.length = 0;
    this.blocked.clear();
    this.retrying.clear();
    this.heldKeys.clear();
    this.count -= unstarted.length;
    return unstarted;
  }

  /** Resolves once no handler runs and no settlement is being applied. */
  idle(): Promise<void> {
    if (this.running === 0 && this.settling === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private keyOf(delivery: Delivery): string | undefined {
    return this.ordered ? delivery.message.key : undefined;
  }

  private pump(): void {
    // A handler that settles at once completes inside `run`, whose `complete` pumps again: the
    // loop below goes on instead, so the stack stays flat however many deliveries are ready.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.running < this.concurrency && this.ready.length > 0) {
        this.run(this.ready.shift() as Delivery);
      }
    } finally {
      this.pumping = false;
    }
  }

  private run(delivery: Delivery): void {
    this.running++;
    const handled = this.hooks.handle(delivery);
    if (handled instanceof Promise) {
      void handled.then(
        (settlement) => this.complete(delivery, settlement),
        () => this.complete(delivery, undefined),
      );
    } else {
      this.complete(delivery, handled);
    }
  }

  /**
   * The handler is done: its slot and its key pass to the next message at once, while Redis
   * records the outcome; the delivery stays outstanding until it is settled.
   */
  private complete(delivery: Delivery, settlement: Settlement | undefined): void {
    this.running--;
    if (settlement?.kind === 'retry' && this.keyOf(delivery) !== undefined && !this.stopped) {
      this.retryInPlace(delivery, settlement);
    } else {
      this.releaseKey(delivery);
      if (settlement) {
        // No promise per message: the settler calls settled() back, for acks once per batch.
        this.settling++;
        this.hooks.settle(delivery, settlement);
      } else {
        this.finish(delivery);
      }
    }
    this.pump();
    this.checkIdle();
  }

  /** The settlement of `delivery` given to `hooks.settle` is done with: its slot is free. */
  settled(delivery: Delivery): void {
    this.settling--;
    this.finish(delivery);
  }

  private checkIdle(): void {
    if (this.running === 0 && this.settling === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Keeps the key held, waits the backoff, then runs the message again before its successors. */
  private retryInPlace(delivery: Delivery, settlement: RetrySettlement): void {
    delivery.deliveryCount++;
    delivery.message = {
      ...delivery.message,
      attempt: delivery.message.attempt + 1,
      headers: { ...delivery.message.headers, ...settlement.headers },
    };
    const timer = setTimeout(() => {
      void this.hooks.beforeRetryInPlace(delivery).then(() => {
        // Gone from the map when `stop()` handed it back meanwhile.
        if (!this.retrying.delete(delivery)) return;
        this.ready.unshift(delivery);
        this.pump();
      });
    }, settlement.delayMs);
    this.retrying.set(delivery, timer);
  }

  private releaseKey(delivery: Delivery): void {
    const key = this.keyOf(delivery);
    if (key === undefined) return;
    const queue = this.blocked.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.blocked.delete(key);
    if (next) this.ready.push(next);
    else this.heldKeys.delete(key);
  }

  private finish(delivery: Delivery): void {
    this.count--;
    this.hooks.finished(delivery);
    this.checkIdle();
  }
}
