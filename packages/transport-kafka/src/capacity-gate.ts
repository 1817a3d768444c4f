/**
 * Where a batch waits while `prefetch` records are fetched and unsettled. It is woken once a
 * quarter of prefetch is free again (room for a good part of a batch, not one record at a
 * time), when the consumer leaves, or after `intervalMs` at the latest, so that it heartbeats:
 * kafkajs heartbeats between batches only, and this batch is not finished.
 */
export class CapacityGate {
  private waiters: (() => void)[] = [];

  constructor(
    private readonly prefetch: number,
    /** Records that may still be fetched ahead. */
    private readonly free: () => number,
    private readonly intervalMs: number,
  ) {}

  /** Room for the next record, counting down as records are taken. */
  room(): number {
    return this.free();
  }

  async wait(heartbeat: () => Promise<void>): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.intervalMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await heartbeat();
  }

  /** Records were settled: wake the waiting batch if there is room enough. */
  check(): void {
    if (this.waiters.length > 0 && this.free() >= Math.ceil(this.prefetch / 4)) this.open();
  }

  /** Wakes the waiting batch whatever the room (leaving, stopping). */
  open(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
