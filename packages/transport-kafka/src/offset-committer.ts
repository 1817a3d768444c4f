import type { TopicPartitionOffset } from 'kafkajs';
import type { PartitionTracker } from './partition-tracker';

/** Commits a list of offsets for the group (kafkajs `consumer.commitOffsets`). */
export type CommitOffsets = (offsets: TopicPartitionOffset[]) => Promise<void>;

const RETRY_AFTER_MS = 1_000;

/**
 * Commits each partition's watermark once it moved, coalescing: while one commit is on its way,
 * what is acknowledged meanwhile goes into the next one. A failed commit (rebalance, broker
 * gone) is kept and tried again on the next rejoin or after a second — the watermark only grows,
 * so a late commit never loses a message, at worst it lets a few be delivered again.
 */
export class OffsetCommitter {
  /** False while the consumer is not in the group (between a crash or restart and the rejoin). */
  enabled = false;
  private readonly dirty = new Set<PartitionTracker>();
  private readonly committed = new WeakMap<PartitionTracker, number>();
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly commit: CommitOffsets,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The partition's watermark may have moved. */
  touch(tracker: PartitionTracker): void {
    this.dirty.add(tracker);
    this.kick();
  }

  /** After a rejoin: commit the partition's watermark again, whatever was sent before. */
  recommit(tracker: PartitionTracker): void {
    this.committed.delete(tracker);
    this.touch(tracker);
  }

  /** A transaction commits this partition's offset: hold ordinary commits of it back. */
  hold(tracker: PartitionTracker): void {
    tracker.holds++;
  }

  /** The transaction ended; `offset` is what it committed, if it did. */
  release(tracker: PartitionTracker, offset?: number): void {
    tracker.holds--;
    if (offset !== undefined && offset > (this.committed.get(tracker) ?? -1)) {
      this.committed.set(tracker, offset);
    }
    this.touch(tracker);
  }

  /** Resolves once the commit on its way (if any) is done. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Commits everything committable now, waiting for it. */
  async flush(): Promise<void> {
    for (let round = 0; round < 3 && this.enabled; round++) {
      await this.running;
      if (!this.hasWork()) return;
      this.kick();
      await this.running;
    }
  }

  /** Starts a commit if there is work and none is on its way. */
  kick(): void {
    if (this.running || !this.enabled || this.dirty.size === 0) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.enabled = false;
  }

  private hasWork(): boolean {
    for (const tracker of this.dirty) if (!tracker.revoked && tracker.holds === 0) return true;
    return false;
  }

  private async loop(): Promise<void> {
    while (this.enabled) {
      const offsets: TopicPartitionOffset[] = [];
      const sent: [PartitionTracker, number][] = [];
      for (const tracker of this.dirty) {
        if (tracker.holds > 0) continue;
        this.dirty.delete(tracker);
        if (tracker.revoked) continue;
        const watermark = tracker.watermark();
        if (watermark > (this.committed.get(tracker) ?? -1)) {
          offsets.push({
            topic: tracker.topic,
            partition: tracker.partition,
            offset: String(watermark),
          });
          sent.push([tracker, watermark]);
        }
      }
      if (offsets.length === 0) return;
      try {
        await this.commit(offsets);
      } catch (error) {
        for (const [tracker] of sent) this.dirty.add(tracker);
        this.onError(error);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.kick(), RETRY_AFTER_MS);
        this.retryTimer.unref();
        return;
      }
      for (const [tracker, watermark] of sent) {
        if (watermark > (this.committed.get(tracker) ?? -1)) this.committed.set(tracker, watermark);
      }
    }
  }
}
