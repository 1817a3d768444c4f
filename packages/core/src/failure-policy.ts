import type { BackoffOptions, RetryOptions } from './decorators/metadata';
import { errorCode, errorMessage, isRetryable } from './errors';
import { DeadLetterHeaders, FIRST_FAILURE_HEADER } from './headers';
import type { InboundMessage } from './message';
import type { HandlerIdentity } from './message-context';
import type { DeadLetterSettlement, RetrySettlement } from './transport';

/** Defaults of `@Retry`: 3 deliveries, 200 ms then 400 ms apart (±10 %). */
export const DEFAULT_RETRY: Required<RetryOptions> & { backoff: Required<BackoffOptions> } = {
  attempts: 3,
  backoff: { initialMs: 200, factor: 2, maxMs: 30_000, jitter: 0.1 },
};

/** Delay before attempt `attempt + 1`. */
export function backoffDelay(backoff: Required<BackoffOptions>, attempt: number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (attempt - 1));
  const spread = base * backoff.jitter * (Math.random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}

/** Decides, for a failed delivery, between another attempt and the dead-letter destination. */
export class FailurePolicy {
  readonly attempts: number;
  private readonly backoff: Required<BackoffOptions>;

  constructor(
    private readonly handler: HandlerIdentity,
    retry: RetryOptions,
  ) {
    this.attempts = retry.attempts;
    this.backoff = { ...DEFAULT_RETRY.backoff, ...retry.backoff };
  }

  /** Retry with backoff while attempts remain and the error allows it; else dead-letter. */
  onFailure(message: InboundMessage, error: unknown): RetrySettlement | DeadLetterSettlement {
    if (isRetryable(error) && message.attempt < this.attempts) {
      return this.retry(message, backoffDelay(this.backoff, message.attempt));
    }
    return this.deadLetter(message, errorCode(error), errorMessage(error));
  }

  /** Another attempt after `delayMs`, remembering when the first failure happened. */
  retry(message: InboundMessage, delayMs: number): RetrySettlement {
    const firstFailure = message.headers[FIRST_FAILURE_HEADER] ?? new Date().toISOString();
    return { kind: 'retry', delayMs, headers: { [FIRST_FAILURE_HEADER]: firstFailure } };
  }

  /** Dead-letter headers saying why, after how many attempts, from where and when. */
  deadLetter(message: InboundMessage, reason: string, error: string): DeadLetterSettlement {
    const now = new Date().toISOString();
    return {
      kind: 'dead-letter',
      headers: {
        [DeadLetterHeaders.reason]: reason,
        [DeadLetterHeaders.error]: error,
        [DeadLetterHeaders.originalTopic]: message.topic,
        [DeadLetterHeaders.queue]: this.handler.queue,
        [DeadLetterHeaders.handler]: this.handler.name,
        [DeadLetterHeaders.attempts]: String(message.attempt),
        [DeadLetterHeaders.firstFailureAt]: message.headers[FIRST_FAILURE_HEADER] ?? now,
        [DeadLetterHeaders.lastFailureAt]: now,
      },
    };
  }
}
