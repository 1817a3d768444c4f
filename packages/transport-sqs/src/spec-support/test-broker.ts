import { randomBytes } from 'node:crypto';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteQueueCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { present } from '../aws-errors';
import { queueNames } from '../names';
import type { SqsTransportOptions } from '../options';

/** Where the tests find the emulator started by `scripts/brokers/sqs.sh`. */
export const SQS_ENDPOINT = process.env.SQS_ENDPOINT ?? 'http://127.0.0.1:4566';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * One test file's corner of the broker: a unique queue prefix and topic per run, raw SDK clients
 * (as a foreign producer or an operator would use them), and removal of everything it created.
 */
export class TestBroker {
  readonly prefix = `swyt${randomBytes(3).toString('hex')}-`;
  readonly topic = `${this.prefix}events`;
  readonly sqs = new SQSClient({
    region: REGION,
    endpoint: SQS_ENDPOINT,
    credentials: CREDENTIALS,
  });
  readonly sns = new SNSClient({
    region: REGION,
    endpoint: SQS_ENDPOINT,
    credentials: CREDENTIALS,
  });

  /** Transport options aimed at the emulator, with this run's prefix and topic. */
  options(overrides: SqsTransportOptions = {}): SqsTransportOptions {
    return {
      region: REGION,
      endpoint: SQS_ENDPOINT,
      credentials: CREDENTIALS,
      queuePrefix: this.prefix,
      topic: this.topic,
      ...overrides,
    };
  }

  /** The URL the emulator gave the SQS queue of a Switchyard queue. */
  async queueUrl(queue: string, ordered = false, deadLetter = false): Promise<string> {
    const names = queueNames(queue, this.prefix, ordered);
    const { QueueUrl } = await this.sqs.send(
      new GetQueueUrlCommand({ QueueName: deadLetter ? names.deadLetter : names.main }),
    );
    return present(QueueUrl, 'QueueUrl');
  }

  /** The ARN of this run's SNS topic (or its FIFO twin). */
  async topicArn(fifo = false): Promise<string> {
    const { TopicArn } = await this.sns.send(
      new CreateTopicCommand({
        Name: fifo ? `${this.topic}.fifo` : this.topic,
        ...(fifo ? { Attributes: { FifoTopic: 'true' } } : {}),
      }),
    );
    return present(TopicArn, 'TopicArn');
  }

  /** Deletes this run's queues and topics (and with the topics, their subscriptions). */
  async cleanup(): Promise<void> {
    let nextToken: string | undefined;
    const urls: string[] = [];
    do {
      const page = await this.sqs.send(
        new ListQueuesCommand({
          QueueNamePrefix: this.prefix,
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
      urls.push(...(page.QueueUrls ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    await Promise.all(urls.map((url) => this.sqs.send(new DeleteQueueCommand({ QueueUrl: url }))));
    for (const fifo of [false, true]) {
      await this.sns.send(new DeleteTopicCommand({ TopicArn: await this.topicArn(fifo) }));
    }
    this.sqs.destroy();
    this.sns.destroy();
  }
}
