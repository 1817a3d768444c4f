import { PublishCommand } from '@aws-sdk/client-sns';
import { runConformanceSuite } from '@switchyard/testing';
import { SqsAttributes } from './attributes';
import { TestBroker } from './spec-support/test-broker';
import { SQS_CAPABILITIES, SqsTransport } from './transport';

const broker = new TestBroker();

runConformanceSuite({
  name: 'sqs',
  capabilities: SQS_CAPABILITIES,
  createTransport: () => new SqsTransport(broker.options()),
  // A producer that knows nothing of Switchyard publishes to the SNS topic with the SDK, naming
  // the topic in the one attribute subscriptions filter on, as it would set a routing key.
  publishForeign: async (topic, body) => {
    await broker.sns.send(
      new PublishCommand({
        TopicArn: await broker.topicArn(),
        Message: body,
        MessageAttributes: { [SqsAttributes.topic]: { DataType: 'String', StringValue: topic } },
      }),
    );
  },
  teardown: () => broker.cleanup(),
});
