import type { Delivery } from './delivery';

/** Acknowledged records kept at the head of the list before it is compacted. */
const COMPACT_AFTER = 256;

interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
}

/**
 * The bookkeeping of one assigned partition: every fetched record in offset order, the key lanes
 * that keep one key's records one at a time and in order, and the commit watermark — the offset
 * of the first record not yet acknowledged (or the fetch position when all are), so a commit
 * never skips a gap. Offsets need not be contiguous (transaction markers, compaction).
 */
export class PartitionTracker {
  /** The partition was taken away by a rebalance: nothing of it is committed or settled any more. */
  revoked = false;
  /** Highest offset fetched; records at or below it that come again after a rejoin are skipped. */
  highestSeen = -1;
  /** Highest offset handed to the handler; a clean close delivers everything below it. */
  highestDispatched = -1;
  /** Offset after the last fetched batch (past its transaction markers). */
  fetchedEnd = -1;
  /** Commits are held back while a transaction commits this partition's offset. */
  holds = 0;
  /** Records fetched and not yet done, and of those, the ones waiting for their time. */
  unsettled = 0;
  waiting = 0;
  private readonly entries: Delivery[] = [];
  private head = 0;
  private readonly lanes = new Map<string, Delivery[]>();
  private waiters: Waiter[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Whether this is the queue's retry topic (its records are copies waiting for their time). */
    readonly isRetryTopic: boolean,
  ) {}

  /** Records a fetched delivery (in offset order). */
  add(delivery: Delivery): void {
    this.entries.push(delivery);
    this.highestSeen = delivery.offset;
    this.unsettled++;
  }

  /** Puts a delivery in its key lane; true when it may run now (no earlier record of its key is pending). */
  enterLane(delivery: Delivery): boolean {
    const key = delivery.key;
    if (key === undefined) return true;
    const lane = this.lanes.get(key);
    if (lane) {
      lane.push(delivery);
      return false;
    }
    this.lanes.set(key, [delivery]);
    return true;
  }

  /** Marks a delivery's offset committable (settled, or acknowledged before its handler ran). */
  ack(delivery: Delivery): void {
    if (delivery.acked) return;
    delivery.acked = true;
    this.unsettled--;
    // Let go of settled records at once rather than at the next commit: a backlog drained
    // between two commits would otherwise keep every record alive into the old generation.
    if (this.entries[this.head] === delivery) this.advance();
    this.wakeWaiters();
  }

  /** Settles a delivery; returns the next record of its key, now free to run. */
  settle(delivery: Delivery): Delivery | undefined {
    this.ack(delivery);
    delivery.state = 'done';
    return this.leaveLane(delivery);
  }

  /** The offset to commit: the first one not yet acknowledged, or the fetch position. */
  watermark(): number {
    this.advance();
    const { entries } = this;
    return this.head < entries.length ? entries[this.head].offset : this.fetchedEnd;
  }

  /** Where the watermark would be once `delivery` (the first unacknowledged record) is acknowledged. */
  watermarkIfAcked(delivery: Delivery): number {
    const watermark = this.watermark();
    if (watermark !== delivery.offset) return watermark;
    for (let i = this.head + 1; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (!entry.acked) return entry.offset;
    }
    return this.fetchedEnd;
  }

  /** Resolves once every record before `offset` is acknowledged. */
  whenAckedBefore(offset: number): Promise<void> {
    if (this.watermark() >= offset || this.revoked) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }

  /**
   * Gives back what was fetched after the last record handed to the handler (for a clean close):
   * those records are marked dropped and their offsets never committed. Returns the records at
   * or below that point still waiting for their time.
   */
  dropUndelivered(): Delivery[] {
    const limit = this.highestDispatched;
    const waitingBelow: Delivery[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const delivery = this.entries[i];
      if (delivery.state === 'waiting' && delivery.offset <= limit) waitingBelow.push(delivery);
      else if (delivery.offset > limit && isUndelivered(delivery)) drop(delivery);
    }
    return waitingBelow;
  }

  /** Forgets every pending record (the partition was revoked). */
  revoke(): void {
    this.revoked = true;
    for (let i = this.head; i < this.entries.length; i++) {
      const delivery = this.entries[i];
      if (isUndelivered(delivery)) drop(delivery);
    }
    this.wakeWaiters();
  }

  /** Moves the head past acknowledged records, dropping them once they are half the list. */
  private advance(): void {
    const { entries } = this;
    while (this.head < entries.length && entries[this.head].acked) this.head++;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= entries.length) {
      entries.splice(0, this.head);
      this.head = 0;
    }
  }

  private leaveLane(delivery: Delivery): Delivery | undefined {
    const key = delivery.key;
    if (key === undefined) return undefined;
    const lane = this.lanes.get(key);
    if (!lane || lane[0] !== delivery) return undefined;
    lane.shift();
    const next = lane[0];
    if (!next) {
      this.lanes.delete(key);
      return undefined;
    }
    return next.state === 'dropped' ? undefined : next;
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const watermark = this.watermark();
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (this.revoked || watermark >= waiter.offset) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}

function isUndelivered(delivery: Delivery): boolean {
  return delivery.state === 'waiting' || delivery.state === 'queued' || delivery.state === 'ready';
}

function drop(delivery: Delivery): void {
  if (delivery.timer) clearTimeout(delivery.timer);
  delivery.timer = undefined;
  delivery.state = 'dropped';
}
