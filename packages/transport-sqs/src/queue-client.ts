import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageSystemAttributeName,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { batchOutcomes } from './batch-outcomes';
import { Batcher } from './batcher';
import type { AwsClients } from './clients';

/** The longest visibility timeout SQS allows (12 h). */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** What a receive asks for. */
export interface ReceiveRequest {
  readonly maxMessages: number;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly signal?: AbortSignal;
}

interface VisibilityChange {
  readonly receiptHandle: string;
  readonly seconds: number;
}

/**
 * The operations on one queue: receive, and deletes and visibility changes batched into
 * `DeleteMessageBatch` / `ChangeMessageVisibilityBatch` requests.
 */
export class QueueClient {
  private readonly deletes: Batcher<string>;
  /** What `toReceived` reads; group and sequence exist on FIFO queues only. */
  private readonly systemAttributes: MessageSystemAttributeName[];
  private readonly visibility: Batcher<VisibilityChange>;

  constructor(
    private readonly clients: AwsClients,
    readonly url: string,
    ackLingerMs: number,
  ) {
    this.systemAttributes = [
      'ApproximateReceiveCount',
      'ApproximateFirstReceiveTimestamp',
      'SentTimestamp',
      ...(url.endsWith('.fifo') ? (['MessageGroupId', 'SequenceNumber'] as const) : []),
    ];
    this.deletes = new Batcher((handles) => this.deleteBatch(handles), { lingerMs: ackLingerMs });
    this.visibility = new Batcher((changes) => this.visibilityBatch(changes), { lingerMs: 0 });
  }

  /**
   * Long-polls for messages, asking for every attribute: fauxqs sends them regardless, AWS only
   * when asked. Resolves to an empty list when none came.
   */
  async receive(request: ReceiveRequest): Promise<Message[]> {
    const { Messages } = await this.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url,
        MaxNumberOfMessages: request.maxMessages,
        WaitTimeSeconds: request.waitTimeSeconds,
        VisibilityTimeout: request.visibilityTimeoutSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: this.systemAttributes,
      }),
      request.signal ? { abortSignal: request.signal } : {},
    );
    return Messages ?? [];
  }

  /** Deletes a message (acknowledges it); resolves once SQS confirmed. */
  delete(receiptHandle: string): Promise<void> {
    return this.deletes.add(receiptHandle);
  }

  /** Makes a message visible again after `seconds` (0: now), capped at 12 h. */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    return this.visibility.add({
      receiptHandle,
      seconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds))),
    });
  }

  /** Resolves once every delete and visibility change handed over so far was sent. */
  async flush(): Promise<void> {
    await Promise.all([this.deletes.flush(), this.visibility.flush()]);
  }

  private async deleteBatch(handles: readonly string[]) {
    const response = await this.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.url,
        Entries: handles.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })),
      }),
    );
    return batchOutcomes('DeleteMessageBatch', handles.length, response.Failed);
  }

  private async visibilityBatch(changes: readonly VisibilityChange[]) {
    const response = await this.clients.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.url,
        Entries: changes.map((change, index) => ({
          Id: String(index),
          ReceiptHandle: change.receiptHandle,
          VisibilityTimeout: change.seconds,
        })),
      }),
    );
    return batchOutcomes('ChangeMessageVisibilityBatch', changes.length, response.Failed);
  }
}
