import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { batchOutcomes } from './batch-outcomes';
import { Batcher } from './batcher';
import type { AwsClients } from './clients';
import type { OutboundRecord } from './record';
import type { TopicArns } from './topology';

const byGroup = (record: OutboundRecord) => record.groupId;
const bySize = (record: OutboundRecord) => record.size;

/**
 * Sends records in batches: publishes go to the SNS topic (and the FIFO topic, when on) with
 * `PublishBatch`; replies and dead letters go to a queue with `SendMessageBatch`. A FIFO
 * destination never has two requests of one message group in flight, so order holds.
 */
export class SqsPublisher {
  private readonly standard: Batcher<OutboundRecord>;
  private readonly fifo: Batcher<OutboundRecord> | undefined;
  private readonly queues = new Map<string, Batcher<OutboundRecord>>();

  constructor(
    private readonly clients: AwsClients,
    topics: TopicArns,
    private readonly lingerMs: number,
  ) {
    this.standard = this.topicBatcher(topics.standard, false);
    this.fifo = topics.fifo === undefined ? undefined : this.topicBatcher(topics.fifo, true);
  }

  /** Resolves once SNS accepted the record on every topic. */
  publish(record: OutboundRecord): Promise<void> {
    if (!this.fifo) return this.standard.add(record);
    return Promise.all([this.standard.add(record), this.fifo.add(record)]).then(() => undefined);
  }

  /** Sends a record straight to a queue; resolves once SQS accepted it. */
  sendToQueue(url: string, record: OutboundRecord, fifo: boolean): Promise<void> {
    let batcher = this.queues.get(url);
    if (!batcher) {
      batcher = this.queueBatcher(url, fifo);
      this.queues.set(url, batcher);
    }
    return batcher.add(record);
  }

  /** Forgets a queue's batcher (the queue is gone). */
  forgetQueue(url: string): void {
    this.queues.delete(url);
  }

  /** Resolves once everything handed over so far was sent. */
  async flush(): Promise<void> {
    await Promise.all(
      [this.standard, this.fifo, ...this.queues.values()].map((batcher) => batcher?.flush()),
    );
  }

  private topicBatcher(topicArn: string, fifo: boolean): Batcher<OutboundRecord> {
    const send = async (records: readonly OutboundRecord[]) => {
      const response = await this.clients.sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: records.map((record, index) => ({
            Id: String(index),
            Message: record.body,
            MessageAttributes: record.attributes,
            ...(fifo
              ? { MessageGroupId: record.groupId, MessageDeduplicationId: record.deduplicationId }
              : {}),
          })),
        }),
      );
      return batchOutcomes('PublishBatch', records.length, response.Failed);
    };
    return new Batcher(send, {
      lingerMs: this.lingerMs,
      sizeOf: bySize,
      ...(fifo ? { groupOf: byGroup } : {}),
    });
  }

  private queueBatcher(url: string, fifo: boolean): Batcher<OutboundRecord> {
    const send = async (records: readonly OutboundRecord[]) => {
      const response = await this.clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: records.map((record, index) => ({
            Id: String(index),
            MessageBody: record.body,
            MessageAttributes: record.attributes,
            ...(fifo
              ? { MessageGroupId: record.groupId, MessageDeduplicationId: record.deduplicationId }
              : {}),
          })),
        }),
      );
      return batchOutcomes('SendMessageBatch', records.length, response.Failed);
    };
    return new Batcher(send, {
      lingerMs: this.lingerMs,
      sizeOf: bySize,
      ...(fifo ? { groupOf: byGroup } : {}),
    });
  }
}
