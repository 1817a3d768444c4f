import type { MessageHeaders } from '@switchyard/core';

/** Enough for every retry in flight of a busy process; older entries are dropped first. */
const DEFAULT_CAPACITY = 10_000;

/**
 * Headers of retry settlements, kept by SQS message id until the message comes back. A retry is a
 * visibility change of the same SQS message, which cannot take new attributes, so the headers a
 * retry adds (the first failure time) live here, in this process. When another instance receives
 * the retry, they are absent and core falls back to what it knows (the last failure time).
 */
export class RetryHeaders {
  private readonly entries = new Map<string, MessageHeaders>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Remembers `headers` (merged over earlier ones) for the next delivery of `sqsMessageId`. */
  remember(sqsMessageId: string, headers: MessageHeaders): void {
    const earlier = this.entries.get(sqsMessageId);
    this.entries.delete(sqsMessageId);
    this.entries.set(sqsMessageId, earlier ? { ...earlier, ...headers } : headers);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** The headers remembered for `sqsMessageId`, if any. */
  recall(sqsMessageId: string): MessageHeaders | undefined {
    return this.entries.get(sqsMessageId);
  }

  /** Forgets a message that is done (acknowledged or dead-lettered). */
  forget(sqsMessageId: string): void {
    this.entries.delete(sqsMessageId);
  }
}
