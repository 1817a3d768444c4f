import { PublishCommand } from '@aws-sdk/client-sns';
import { runConformanceSuite } from '@switchyard/testing';
import { SqsAttributes } from './attributes';
import { SQS_ENDPOINT, TestBroker } from './spec-support/test-broker';
import { TcpProxy } from './spec-support/tcp-proxy';
import { SQS_CAPABILITIES, SqsTransport } from './transport';

const broker = new TestBroker();
// The transports reach the emulator through a proxy, so the suite can cut their connections.
const proxy = new TcpProxy(new URL(SQS_ENDPOINT));
const proxyUrl = proxy.start();

runConformanceSuite({
  name: 'sqs',
  capabilities: SQS_CAPABILITIES,
  createTransport: async () => new SqsTransport(broker.options({ endpoint: await proxyUrl })),
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
  dropConnections: async () => proxy.dropAll(),
  teardown: async () => {
    await broker.cleanup();
    await proxy.stop();
  },
});
