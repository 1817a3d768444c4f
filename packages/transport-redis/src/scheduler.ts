import type { Logger } from '@switchyard/core';
import { errorMessage } from '@switchyard/core';
import type { RedisScripts } from './scripts';
import type { RedisTopology } from './topology';

/** Most due messages moved by one script call, so one call never blocks Redis for long. */
const BATCH = 500;

/**
 * Moves delayed messages and retries to their streams when due. They wait in one sorted set
 * (score = due time on the Redis clock); the move is one Lua script that ZREMs each entry before
 * adding it, so any number of workers may sweep at once and each message moves exactly once. A
 * worker that scheduled something sets a timer for its due time; subscribers also sweep every
 * `schedulerIntervalMs`, which picks up what a stopped or crashed worker had scheduled.
 */
export class DelayedScheduler {
  private sweepTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly scripts: RedisScripts,
    private readonly topology: RedisTopology,
    private readonly settings: { schedulerIntervalMs: number; maxLen: number; logger: Logger },
  ) {}

  /** Something becomes due in `delayMs`: make sure this worker moves it then. */
  expect(delayMs: number): void {
    if (this.closed) return;
    const at = Date.now() + delayMs;
    if (at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.wakeTimer = undefined;
      this.sweep();
    }, delayMs);
    this.wakeTimer.unref();
  }

  /** Sweeps every `schedulerIntervalMs` from now on (subscribers do; publishers need not). */
  startSweeping(): void {
    if (this.sweepTimer || this.closed) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.settings.schedulerIntervalMs);
    this.sweepTimer.unref();
    this.sweep();
  }

  /** Stops the timers and waits for a sweep in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.wakeTimer);
    await this.running;
  }

  /** Moves what is due now; a call during a sweep runs one more afterwards. */
  sweep(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.moveAll().finally(() => {
      this.running = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.sweep();
      }
    });
  }

  private async moveAll(): Promise<void> {
    try {
      for (;;) {
        const { moved, nextInMs } = await this.scripts.moveDue(
          this.topology.delayedSet,
          this.topology.delayedEntryPrefix,
          BATCH,
          this.settings.maxLen,
        );
        if (moved === BATCH) continue;
        if (nextInMs !== undefined) this.expect(Math.max(1, nextInMs));
        return;
      }
    } catch (error) {
      if (!this.closed) {
        this.settings.logger.warn('Moving due delayed messages failed; will retry', {
          error: errorMessage(error),
        });
      }
    }
  }
}
