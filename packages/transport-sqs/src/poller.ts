import type { Message } from '@aws-sdk/client-sqs';
import { type Logger, errorMessage } from '@switchyard/core';
import { isAbort } from './aws-errors';
import type { QueueClient } from './queue-client';

/** What a poller asks of its owner. */
export interface PollerHooks {
  /** Waits for room and resolves to how many messages to ask for; 0 ends the loop. */
  reserve(): Promise<number>;
  /** Takes what one receive returned (maybe nothing), with the count it had reserved. */
  accept(messages: Message[], reserved: number): void;
}

/** How a poller receives. */
export interface PollSettings {
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
}

const MAX_BACKOFF_MS = 5_000;
/** The pause after an empty short poll (`waitTimeSeconds` 0). */
const SHORT_POLL_PAUSE_MS = 200;

/**
 * One long-poll loop on a queue: reserve room, `ReceiveMessage`, hand over, repeat. Empty receives
 * are normal (long polls may end early). Failures are logged and retried with a growing pause, so
 * a network blip or a throttled account never ends consumption.
 */
export class Poller {
  private loop: Promise<void> | undefined;
  private receiving: AbortController | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly queue: QueueClient,
    private readonly settings: PollSettings,
    private readonly hooks: PollerHooks,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Ends the loop. A receive in flight gets `graceMs` to return what it is already returning,
   * then is aborted, so closing never waits out a 20 s long poll. (A receive aborted just as SQS
   * hands it messages leaves them invisible until their timeout: at-least-once, never lost.)
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (!this.loop) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.loop, grace]);
    clearTimeout(timer);
    this.receiving?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const count = await this.hooks.reserve();
      if (count === 0 || this.stopped) {
        this.hooks.accept([], count);
        return;
      }
      const receiving = new AbortController();
      this.receiving = receiving;
      try {
        const messages = await this.queue.receive({
          maxMessages: count,
          waitTimeSeconds: this.settings.waitTimeSeconds,
          visibilityTimeoutSeconds: this.settings.visibilityTimeoutSeconds,
          signal: receiving.signal,
        });
        failures = 0;
        this.hooks.accept(messages, count);
        // Short polling (no wait) returns at once from an empty queue: do not spin on it.
        if (messages.length === 0 && this.settings.waitTimeSeconds === 0) {
          await this.pause(SHORT_POLL_PAUSE_MS);
        }
      } catch (error) {
        this.hooks.accept([], count);
        if (this.stopped && (isAbort(error) || receiving.signal.aborted)) return;
        failures++;
        this.logger.warn('SQS receive failed; retrying', {
          queue: this.queue.url,
          error: errorMessage(error),
        });
        await this.pause(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures));
      } finally {
        this.receiving = undefined;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
