import { type Logger, errorMessage } from '@switchyard/core';
import type { Redis } from 'ioredis';
import type { Delivery } from './delivery';
import type { StreamEntry } from './headers';
import type { RedisScripts } from './scripts';
import { parseAutoClaimReply, parseEntries, parsePending, sendForBuffers } from './stream-replies';

/** Idle time given to entries handed back on close: far past any `claimIdleMs`. */
const HANDED_BACK_IDLE_MS = 365 * 24 * 3_600_000;
/** Most own pending entries recovered per stream in one pass. */
const RECOVER_BATCH = 1_000;

/** What the reclaimer needs from its subscription. */
export interface ReclaimerHost {
  /** The streams the subscription reads. */
  streams(): readonly string[];
  /** Prefetch slots free now. */
  free(): number;
  /** Deliveries held now (to refresh). */
  held(): Iterable<Delivery>;
  /** Entry ids of `stream` held now (not to take in an entry twice). */
  heldIds(stream: string): ReadonlySet<string>;
  /** Takes in a claimed entry, not held, with its Redis delivery count. */
  accept(entry: StreamEntry, deliveryCount: number): void;
}

/** Settings of a reclaimer. */
export interface ReclaimerSettings {
  readonly group: string;
  readonly consumer: string;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly logger: Logger;
}

/**
 * Keeps pending entries moving. Every `claimIntervalMs` it `XAUTOCLAIM`s entries idle longer
 * than `claimIdleMs` (their consumer died); their delivery count, read with `XPENDING`, gives the
 * attempt. Every third of `claimIdleMs` it refreshes the idle time of entries this consumer holds,
 * so a slow handler is not robbed. After a reconnect it recovers this consumer's own pending
 * entries whose read reply was lost. On close it hands back unstarted entries: their idle time is
 * set past any claim threshold and their count lowered by the delivery that never ran, so the next
 * claimer takes them at once, at the same attempt.
 */
export class Reclaimer {
  private readonly cursors = new Map<string, string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly scripts: RedisScripts,
    private readonly settings: ReclaimerSettings,
    private readonly host: ReclaimerHost,
  ) {}

  start(): void {
    const { claimIntervalMs, claimIdleMs } = this.settings;
    this.sweepTimer = setInterval(() => void this.sweep(), claimIntervalMs);
    this.sweepTimer.unref();
    this.heartbeatTimer = setInterval(() => void this.refresh(), Math.ceil(claimIdleMs / 3));
    this.heartbeatTimer.unref();
    void this.sweep();
  }

  /** Stops claiming (first step of a close); the heartbeat goes on until `stop`. */
  async stopClaiming(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.heartbeatTimer);
  }

  /** Claims abandoned entries of every stream, as far as prefetch allows. */
  sweep(): Promise<void> {
    this.sweeping ??= this.claimAll().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Takes back this consumer's pending entries that it does not hold (lost read replies). */
  async recoverOwn(): Promise<void> {
    const { group, consumer } = this.settings;
    for (const stream of this.host.streams()) {
      const pending = parsePending(
        await this.redis.xpending(stream, group, '-', '+', RECOVER_BATCH, consumer),
      );
      const held = this.host.heldIds(stream);
      const lost = pending.filter((info) => !held.has(info.entryId));
      if (lost.length === 0) continue;
      const ids = lost.map((info) => info.entryId);
      const claimed = parseEntries(
        stream,
        await sendForBuffers(this.redis, 'xclaim', stream, group, consumer, 0, ...ids),
      );
      const counts = new Map(lost.map((info) => [info.entryId, info.deliveryCount + 1]));
      this.acceptNew(stream, claimed, counts);
    }
  }

  /** Makes unstarted deliveries claimable by another consumer at once, at the same attempt. */
  async handBack(deliveries: readonly Delivery[]): Promise<void> {
    const { group, consumer } = this.settings;
    await Promise.all(
      deliveries
        .filter((delivery) => !delivery.acked)
        .map((delivery) =>
          this.redis.xclaim(
            delivery.stream,
            group,
            consumer,
            0,
            delivery.entryId,
            'IDLE',
            HANDED_BACK_IDLE_MS,
            'RETRYCOUNT',
            Math.max(0, delivery.deliveryCount - 1),
            'JUSTID',
          ),
        ),
    );
  }

  private async claimAll(): Promise<void> {
    for (const stream of this.host.streams()) {
      const free = this.host.free();
      if (free <= 0) return;
      try {
        await this.claim(stream, free);
      } catch (error) {
        this.settings.logger.warn(`Claiming abandoned entries of ${stream} failed`, {
          error: errorMessage(error),
        });
      }
    }
  }

  private async claim(stream: string, count: number): Promise<void> {
    const { group, consumer, claimIdleMs } = this.settings;
    const reply = await sendForBuffers(
      this.redis,
      'xautoclaim',
      stream,
      group,
      consumer,
      claimIdleMs,
      this.cursors.get(stream) ?? '0-0',
      'COUNT',
      count,
    );
    const { cursor, entries } = parseAutoClaimReply(stream, reply);
    this.cursors.set(stream, cursor);
    if (entries.length === 0) return;
    const first = entries[0].entryId;
    const last = entries[entries.length - 1].entryId;
    const pending = parsePending(
      await this.redis.xpending(stream, group, first, last, RECOVER_BATCH, consumer),
    );
    const counts = new Map(pending.map((info) => [info.entryId, info.deliveryCount]));
    this.acceptNew(stream, entries, counts);
  }

  /** Hands the entries this consumer does not hold yet to the subscription. */
  private acceptNew(
    stream: string,
    entries: readonly StreamEntry[],
    counts: ReadonlyMap<string, number>,
  ): void {
    const held = this.host.heldIds(stream);
    for (const entry of entries) {
      if (!held.has(entry.entryId)) this.host.accept(entry, counts.get(entry.entryId) ?? 1);
    }
  }

  private async refresh(): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const delivery of this.host.held()) {
      if (delivery.acked) continue;
      const ids = byStream.get(delivery.stream);
      if (ids) ids.push(delivery.entryId);
      else byStream.set(delivery.stream, [delivery.entryId]);
    }
    const { group, consumer } = this.settings;
    for (const [stream, ids] of byStream) {
      await this.scripts.refresh(stream, group, consumer, ids).catch((error: unknown) =>
        this.settings.logger.warn(`Refreshing pending entries of ${stream} failed`, {
          error: errorMessage(error),
        }),
      );
    }
  }
}
