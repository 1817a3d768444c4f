import type { Message } from '@aws-sdk/client-sqs';
import { type Logger, type ReplyHandler, errorMessage } from '@switchyard/core';
import { toReceived } from './inbound';
import { Poller } from './poller';
import type { QueueClient } from './queue-client';

/** How long closing lets a receive in flight finish before aborting it. */
const CLOSE_GRACE_MS = 100;

/**
 * One instance's RPC reply queue, long-polled: each reply goes to core (which matches it by
 * correlation id) and is deleted at once — a reply is never retried. The address requests carry
 * in `reply-to` is the queue's URL.
 */
export class ReplyInbox {
  private readonly poller: Poller;
  private open = true;

  constructor(
    private readonly queue: QueueClient,
    private readonly onReply: ReplyHandler,
    waitTimeSeconds: number,
    private readonly logger: Logger,
  ) {
    const hooks = {
      reserve: async () => (this.open ? 10 : 0),
      accept: (messages: Message[]) => this.accept(messages),
    };
    this.poller = new Poller(
      queue,
      { waitTimeSeconds, visibilityTimeoutSeconds: 30 },
      hooks,
      logger,
    );
    this.poller.start();
  }

  /** The address replies are sent to. */
  get address(): string {
    return this.queue.url;
  }

  /** Stops polling and confirms the deletes of the replies already taken. */
  async close(): Promise<void> {
    this.open = false;
    await this.poller.stop(CLOSE_GRACE_MS);
    await this.queue.flush();
  }

  /** Stops polling at once, settling nothing (a killed process). */
  crash(): void {
    this.open = false;
    void this.poller.stop(0);
  }

  private accept(messages: Message[]): void {
    for (const raw of messages) {
      const { message, receiptHandle } = toReceived(raw, this.queue.url, '', undefined);
      void this.queue
        .delete(receiptHandle)
        .catch((error: unknown) =>
          this.logger.warn('SQS delete of an RPC reply failed', { error: errorMessage(error) }),
        );
      this.onReply(message);
    }
  }
}
