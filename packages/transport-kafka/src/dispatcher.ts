import type { Delivery } from './delivery';

/**
 * What a dispatcher starts deliveries on. A method of one class rather than a closure: optimised
 * code specialises a call on the exact function it saw, and each subscription (one per handler,
 * a new one per app start) would bring a new closure and throw that code away again.
 */
export interface DeliveryRunner {
  /** Hands `delivery` to its handler; it holds a slot until `Dispatcher.release()`. */
  runDelivery(delivery: Delivery): void;
}

/**
 * Hands ready deliveries to the handler, at most `concurrency` at once, in the order they became
 * ready (offset order within a partition, interleaved across partitions as they were fetched).
 */
export class Dispatcher {
  private ready: Delivery[] = [];
  private head = 0;
  private running = 0;
  /** Inside `pump`'s loop, which a delivery settled at once must not start again from within. */
  private pumping = false;

  constructor(
    private readonly concurrency: number,
    private readonly runner: DeliveryRunner,
  ) {}

  /** Queues a delivery that may run; `first` puts it ahead of the others (a redelivery). */
  push(delivery: Delivery, first = false): void {
    delivery.state = 'ready';
    if (first) {
      this.ready.splice(this.head, 0, delivery);
    } else {
      this.ready.push(delivery);
    }
  }

  /**
   * Starts ready deliveries while slots are free. A delivery settled at once frees its slot and
   * pumps again from inside `runDelivery`: that call returns at once and this loop goes on, so the
   * stack stays flat and `ready` is compacted only here, between deliveries.
   */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.running < this.concurrency && this.head < this.ready.length) {
        const delivery = this.ready[this.head++];
        if (delivery.state !== 'ready' || delivery.tracker.revoked) continue;
        this.running++;
        delivery.state = 'running';
        this.runner.runDelivery(delivery);
      }
    } finally {
      this.pumping = false;
    }
    if (this.head === this.ready.length) {
      this.ready = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.ready.splice(0, this.head);
      this.head = 0;
    }
  }

  /** A handler returned: its slot is free. */
  release(): void {
    this.running--;
  }

  /** A running delivery waits for something else (its transaction's turn): lend its slot. */
  lend(): void {
    this.running--;
    this.pump();
  }

  /** The lending delivery runs again (may briefly exceed `concurrency`; it holds no user code). */
  reclaim(): void {
    this.running++;
  }
}
