/**
 * The access policy AWS requires before an SNS topic may deliver into a queue: the SNS service
 * may `SendMessage` to this queue, on behalf of this topic only. It replaces the queue's policy;
 * turn `setQueuePolicy` off to manage policies yourself.
 */
export function snsDeliveryPolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'switchyard-sns-delivery',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });
}
