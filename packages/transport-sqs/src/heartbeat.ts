import { type Logger, errorMessage } from '@switchyard/core';
import type { QueueClient } from './queue-client';

/** Visibility changes of a message that is already gone (settled meanwhile) fail with these. */
const GONE = /MessageNotInflight|ReceiptHandleIsInvalid|InvalidParameterValue/;

/**
 * Keeps the messages a subscriber holds invisible to other consumers while they wait in its
 * buffer or run in a handler: every quarter of the visibility timeout, each message held for at
 * least that long gets a fresh timeout (`ChangeMessageVisibilityBatch`), so it is extended while
 * at least half its timeout remains. A crashed process stops doing this, and its messages
 * reappear once their timeout runs out.
 */
export class VisibilityHeartbeat {
  private readonly held = new Map<string, number>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: QueueClient,
    private readonly visibilityTimeoutSeconds: number,
    private readonly logger: Logger,
  ) {
    this.intervalMs = Math.max(100, (visibilityTimeoutSeconds * 1000) / 4);
  }

  /** Starts keeping a message alive; its visibility timeout was just set (received). */
  track(receiptHandle: string): void {
    this.held.set(receiptHandle, Date.now());
    if (!this.timer) {
      this.timer = setInterval(() => this.extend(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Stops keeping a message alive (it is being settled or released). */
  untrack(receiptHandle: string): void {
    this.held.delete(receiptHandle);
  }

  /** Stops every extension. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
  }

  private extend(): void {
    const now = Date.now();
    for (const [receiptHandle, extendedAt] of this.held) {
      if (now - extendedAt < this.intervalMs) continue;
      this.held.set(receiptHandle, now);
      this.queue
        .changeVisibility(receiptHandle, this.visibilityTimeoutSeconds)
        .catch((error: unknown) => {
          if (GONE.test(String((error as { awsCode?: string }).awsCode ?? error))) return;
          this.logger.warn('SQS visibility extension failed; the message may be redelivered', {
            queue: this.queue.url,
            error: errorMessage(error),
          });
        });
    }
  }
}
