import {
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { present } from './aws-errors';

/**
 * Subscribes a queue to an SNS topic with raw message delivery (the body and attributes arrive as
 * published) and the given filter policy; returns the subscription ARN. Idempotent: when the
 * subscription exists with other attributes (the queue's patterns changed), they are updated. No
 * policy means every message is delivered (an existing policy is replaced by `{}`).
 */
export async function bindQueue(
  sns: SNSClient,
  topicArn: string,
  queueArn: string,
  filterPolicy: string | undefined,
): Promise<string> {
  const attributes: Record<string, string> = { RawMessageDelivery: 'true' };
  if (filterPolicy !== undefined) attributes.FilterPolicy = filterPolicy;
  try {
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    return present(SubscriptionArn, 'SubscriptionArn');
  } catch (error) {
    if (!/already exists with different attributes/i.test(String(error))) throw error;
  }
  const subscriptionArn = await findSubscription(sns, topicArn, queueArn);
  const update = (name: string, value: string) =>
    sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: name,
        AttributeValue: value,
      }),
    );
  await update('RawMessageDelivery', 'true');
  await update('FilterPolicy', filterPolicy ?? '{}');
  return subscriptionArn;
}

async function findSubscription(
  sns: SNSClient,
  topicArn: string,
  queueArn: string,
): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }),
    );
    const found = page.Subscriptions?.find(
      (subscription) => subscription.Protocol === 'sqs' && subscription.Endpoint === queueArn,
    );
    if (found?.SubscriptionArn) return found.SubscriptionArn;
    nextToken = page.NextToken;
  } while (nextToken);
  throw new Error(`SNS reported a subscription of ${queueArn} to ${topicArn} but does not list it`);
}
