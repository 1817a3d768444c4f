import { DeadLetterHeaders, type MessageHeaders, type Settlement } from '@switchyard/core';
import type { Received } from './inbound';
import { fifoId } from './names';
import type { SqsPublisher } from './publisher';
import type { QueueClient } from './queue-client';
import { toRecord } from './record';
import type { RetryHeaders } from './retry-headers';

/** The longest error text a dead letter carries, so a long message cannot push it over 256 KiB. */
const MAX_ERROR_LENGTH = 4_096;

/** Where a queue's dead letters go. */
export interface DeadLetterQueue {
  readonly url: string;
  readonly fifo: boolean;
}

/**
 * Applies a handler's verdict to an SQS message:
 * - `ack` deletes it (batched);
 * - `retry` makes it visible again after the delay (rounded up to whole seconds), so the same SQS
 *   message comes back with its receive count, hence its attempt, one higher — and on a FIFO
 *   queue its group stays locked meanwhile, keeping it ahead of later messages of its key;
 * - `dead-letter` sends a copy with the reason headers to the `-dlq` queue and deletes the
 *   original only once SQS confirmed the copy; if the copy fails, the original is redelivered.
 */
export class Settler {
  constructor(
    private readonly queue: QueueClient,
    private readonly deadLetters: DeadLetterQueue,
    private readonly publisher: SqsPublisher,
    private readonly retryHeaders: RetryHeaders,
  ) {}

  /** Resolves once SQS confirmed what the settlement asked for. */
  apply(received: Received, settlement: Settlement): Promise<void> {
    switch (settlement.kind) {
      case 'ack':
        this.retryHeaders.forget(received.sqsMessageId);
        return this.queue.delete(received.receiptHandle);
      case 'retry':
        this.retryHeaders.remember(received.sqsMessageId, settlement.headers);
        return this.queue.changeVisibility(received.receiptHandle, settlement.delayMs / 1000);
      case 'dead-letter':
        return this.deadLetter(received, settlement.headers).then(() =>
          this.queue.delete(received.receiptHandle),
        );
    }
  }

  /** Stores the dead-letter copy of a message (already deleted, for at-most-once). */
  async deadLetter(received: Received, headers: MessageHeaders): Promise<void> {
    const { message } = received;
    const merged = { ...message.headers, ...headers };
    const error = merged[DeadLetterHeaders.error];
    if (error !== undefined && error.length > MAX_ERROR_LENGTH) {
      merged[DeadLetterHeaders.error] = `${error.slice(0, MAX_ERROR_LENGTH)}…`;
    }
    const record = toRecord(message, merged, undefined);
    // A FIFO queue drops a second message with one deduplication id within 5 minutes; a message
    // dead-lettered again (after a replay) must not be dropped, so the id is per delivery.
    const deduplicationId = fifoId(`${received.sqsMessageId}:${message.attempt}:${Date.now()}`);
    await this.publisher.sendToQueue(
      this.deadLetters.url,
      { ...record, deduplicationId },
      this.deadLetters.fifo,
    );
    this.retryHeaders.forget(received.sqsMessageId);
  }
}
