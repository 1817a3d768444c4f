import { CreateTopicCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { ConfigurationError, type SubscriptionSpec } from '@switchyard/core';
import { isQueueMissing, present } from './aws-errors';
import type { AwsClients } from './clients';
import { topicFilter } from './filter-policy';
import { queueNames, replyQueueName } from './names';
import type { ResolvedSqsOptions } from './options';
import { snsDeliveryPolicy } from './queue-policy';
import { bindQueue } from './topic-binding';

/** ARNs of the SNS topics publishes go to. */
export interface TopicArns {
  readonly standard: string;
  /** Undefined when the FIFO topic is turned off. */
  readonly fifo: string | undefined;
}

/** The SQS queues of one Switchyard queue, as declared. */
export interface QueueUrls {
  readonly url: string;
  readonly deadLetterUrl: string;
  readonly fifo: boolean;
}

/** Tags of a dead-letter queue: the Switchyard queue it belongs to, and its handler. */
export const DeadLetterTags = {
  queue: 'switchyard:queue',
  handler: 'switchyard:handler',
} as const;

/** Fourteen days, SQS's longest retention: dead letters wait for a person. */
const DEAD_LETTER_RETENTION = String(14 * 24 * 3600);
/** Replies are useless once their request timed out. */
const REPLY_RETENTION = String(300);

/**
 * Declares what the transport needs on AWS, idempotently: the SNS topic(s), one queue per
 * Switchyard queue with its `-dlq` queue and redrive policy, the queue policy letting SNS deliver,
 * and the subscription whose filter policy implements the queue's patterns.
 */
export class SqsTopology {
  private topics: Promise<TopicArns> | undefined;
  private readonly declared = new Map<string, QueueUrls>();

  constructor(
    private readonly clients: AwsClients,
    private readonly options: ResolvedSqsOptions,
  ) {}

  /** The topics' ARNs, creating the topics on first use (a given ARN is used as it is). */
  topicArns(): Promise<TopicArns> {
    this.topics ??= this.createTopics().catch((error: unknown) => {
      this.topics = undefined;
      throw error;
    });
    return this.topics;
  }

  /** Declares the queue of `spec` and binds its patterns; safe to repeat from every instance. */
  async declareQueue(spec: SubscriptionSpec, visibilityTimeoutSeconds: number): Promise<QueueUrls> {
    const topics = await this.topicArns();
    const topicArn = spec.ordered ? topics.fifo : topics.standard;
    if (topicArn === undefined) {
      throw new ConfigurationError(
        `Queue "${spec.queue}" is ordered, which needs the FIFO SNS topic; the transport was configured with fifoTopic: false (fifoTopic=none)`,
      );
    }
    const names = queueNames(spec.queue, this.options.queuePrefix, spec.ordered);
    const deadLetter = await this.createQueue(names.deadLetter, spec.ordered, () => ({
      MessageRetentionPeriod: DEAD_LETTER_RETENTION,
    }));
    // Names cannot be mapped back (dots became underscores), so the queue's name is a tag.
    await this.clients.sqs.send(
      new TagQueueCommand({
        QueueUrl: deadLetter.url,
        Tags: {
          [DeadLetterTags.queue]: spec.queue,
          ...(spec.handler ? { [DeadLetterTags.handler]: spec.handler } : {}),
        },
      }),
    );
    const main = await this.createQueue(names.main, spec.ordered, (arn) => ({
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: deadLetter.arn,
        maxReceiveCount: spec.maxAttempts + this.options.redriveMargin,
      }),
      ...(this.options.setQueuePolicy ? { Policy: snsDeliveryPolicy(arn, topicArn) } : {}),
    }));
    await bindQueue(this.clients.sns, topicArn, main.arn, topicFilter(spec.patterns).policy);
    const urls = { url: main.url, deadLetterUrl: deadLetter.url, fifo: spec.ordered };
    this.declared.set(spec.queue, urls);
    return urls;
  }

  /** The queues of a Switchyard queue declared by anyone, or undefined when there are none. */
  async lookup(queue: string): Promise<QueueUrls | undefined> {
    const known = this.declared.get(queue);
    if (known) return known;
    for (const fifo of [false, true]) {
      const names = queueNames(queue, this.options.queuePrefix, fifo);
      const url = await this.existingUrl(names.main);
      if (url === undefined) continue;
      const deadLetterUrl = await this.existingUrl(names.deadLetter);
      if (deadLetterUrl === undefined) continue;
      const urls = { url, deadLetterUrl, fifo };
      this.declared.set(queue, urls);
      return urls;
    }
    return undefined;
  }

  /** Creates a private reply queue and returns its URL. */
  async createReplyQueue(): Promise<string> {
    const { QueueUrl } = await this.clients.sqs.send(
      new CreateQueueCommand({
        QueueName: replyQueueName(this.options.queuePrefix),
        Attributes: { MessageRetentionPeriod: REPLY_RETENTION },
        tags: { 'switchyard:role': 'reply-inbox' },
      }),
    );
    return present(QueueUrl, 'QueueUrl');
  }

  /** Deletes a queue; one already gone is fine. */
  async deleteQueue(url: string): Promise<void> {
    try {
      await this.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    } catch (error) {
      if (!isQueueMissing(error)) throw error;
    }
  }

  private async createTopics(): Promise<TopicArns> {
    const { topic, fifoTopic } = this.options;
    const [standard, fifo] = await Promise.all([
      this.createTopic(topic, false),
      fifoTopic === false ? undefined : this.createTopic(fifoTopic, true),
    ]);
    return { standard, fifo };
  }

  private async createTopic(nameOrArn: string, fifo: boolean): Promise<string> {
    if (nameOrArn.startsWith('arn:')) return nameOrArn;
    const { TopicArn } = await this.clients.sns.send(
      new CreateTopicCommand({
        Name: nameOrArn,
        ...(fifo ? { Attributes: { FifoTopic: 'true' } } : {}),
      }),
    );
    return present(TopicArn, 'TopicArn');
  }

  /**
   * Creates the queue (only `FifoQueue` is given at creation, so re-declaring never conflicts),
   * then sets its other attributes, which lets a new deployment change them.
   */
  private async createQueue(
    name: string,
    fifo: boolean,
    attributes: (arn: string) => Record<string, string>,
  ): Promise<{ url: string; arn: string }> {
    const { sqs } = this.clients;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}),
      }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const url = present(QueueUrl, 'QueueUrl');
    const arn = present(Attributes?.QueueArn, 'QueueArn');
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes(arn) }));
    return { url, arn };
  }

  private async existingUrl(name: string): Promise<string | undefined> {
    try {
      const { QueueUrl } = await this.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      return QueueUrl;
    } catch (error) {
      if (isQueueMissing(error)) return undefined;
      throw error;
    }
  }
}
