/**
 * Where a gate reads its room: an object's method rather than a closure, for the reason
 * `DeliveryRunner` gives.
 */
export interface CapacitySource {
  /** Records that may still be fetched ahead. */
  freeCapacity(): number;
}

/**
 * Where a batch waits while `prefetch` records are fetched and unsettled. It is woken once a
 * quarter of prefetch is free again (room for a good part of a batch, not one record at a
 * time), when the consumer leaves, or after `intervalMs` at the latest, so that it heartbeats:
 * kafkajs heartbeats between batches only, and this batch is not finished. It does not wait
 * when that room is free already: handlers that settle at once free it during the pump just
 * before the wait, when no waiter is there yet for `check` to wake.
 */
export class CapacityGate {
  private waiters: (() => void)[] = [];

  constructor(
    private readonly prefetch: number,
    private readonly source: CapacitySource,
    private readonly intervalMs: number,
  ) {}

  /** Room for the next record, counting down as records are taken. */
  room(): number {
    return this.source.freeCapacity();
  }

  async wait(heartbeat: () => Promise<void>): Promise<void> {
    if (!this.roomEnough()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await heartbeat();
  }

  /** Records were settled: wake the waiting batch if there is room enough. */
  check(): void {
    if (this.waiters.length === 0) return;
    if (this.roomEnough()) this.open();
  }

  private roomEnough(): boolean {
    return this.source.freeCapacity() >= Math.ceil(this.prefetch / 4);
  }

  /** Wakes the waiting batch whatever the room (leaving, stopping). */
  open(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
