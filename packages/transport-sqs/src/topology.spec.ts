import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { outgoingMessage, waitFor } from '@switchyard/testing';
import { queueNames } from './names';
import { recordingHandler, subscriptionSpec } from './spec-support/specs';
import { TestBroker } from './spec-support/test-broker';
import { SqsTransport } from './transport';

const broker = new TestBroker();
const transports: SqsTransport[] = [];

async function connected(): Promise<SqsTransport> {
  const transport = new SqsTransport(broker.options());
  transports.push(transport);
  await transport.connect();
  return transport;
}

async function queueAttributes(url: string): Promise<Record<string, string>> {
  const { Attributes } = await broker.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  return Attributes ?? {};
}

async function subscriptionOf(queueArn: string, fifo = false): Promise<Record<string, string>> {
  const { Subscriptions } = await broker.sns.send(
    new ListSubscriptionsByTopicCommand({ TopicArn: await broker.topicArn(fifo) }),
  );
  const subscription = Subscriptions?.find((s) => s.Endpoint === queueArn);
  if (!subscription) throw new Error(`no subscription of ${queueArn}`);
  const { Attributes } = await broker.sns.send(
    new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }),
  );
  return Attributes ?? {};
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});
afterAll(() => broker.cleanup());

describe('SQS topology', () => {
  it('declares the queue, its -dlq queue with a redrive policy, the SNS queue policy and a raw, filtered subscription', async () => {
    const transport = await connected();
    const spec = subscriptionSpec({
      queue: 'billing.onOrder',
      patterns: ['shop.orders.#', 'shop.*.paid'],
      maxAttempts: 4,
    });
    await transport.subscribe(spec, recordingHandler().handler);
    const main = await queueAttributes(await broker.queueUrl('billing.onOrder'));
    const deadLetter = await queueAttributes(await broker.queueUrl('billing.onOrder', false, true));
    expect(JSON.parse(main.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: deadLetter.QueueArn,
      maxReceiveCount: 4 + 3,
    });
    expect(main.VisibilityTimeout).toBe('30');
    expect(JSON.parse(main.Policy!).Statement[0]).toMatchObject({
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: main.QueueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': await broker.topicArn() } },
    });
    expect(deadLetter.MessageRetentionPeriod).toBe('1209600');
    const subscription = await subscriptionOf(main.QueueArn!);
    expect(subscription.RawMessageDelivery).toBe('true');
    expect(JSON.parse(subscription.FilterPolicy!)).toEqual({
      'swy-topic': ['shop.orders', { prefix: 'shop.orders.' }, { prefix: 'shop.' }],
    });
  });

  it('updates the filter policy and redrive limit when a queue is declared again with other settings', async () => {
    const transport = await connected();
    await transport.subscribe(
      subscriptionSpec({ queue: 'audit.log', patterns: ['orders.created'] }),
      recordingHandler().handler,
    );
    await transport.subscribe(
      subscriptionSpec({ queue: 'audit.log', patterns: ['orders.#'], maxAttempts: 1 }),
      recordingHandler().handler,
    );
    const main = await queueAttributes(await broker.queueUrl('audit.log'));
    expect(JSON.parse(main.RedrivePolicy!).maxReceiveCount).toBe(1 + 3);
    const subscription = await subscriptionOf(main.QueueArn!);
    expect(JSON.parse(subscription.FilterPolicy!)).toEqual({
      'swy-topic': ['orders', { prefix: 'orders.' }],
    });
  });

  it('makes an ordered queue and its dead-letter queue FIFO, fed by the FIFO topic', async () => {
    const transport = await connected();
    await transport.subscribe(
      subscriptionSpec({ queue: 'ledger.post', ordered: true }),
      recordingHandler().handler,
    );
    const names = queueNames('ledger.post', broker.prefix, true);
    expect(names.main.endsWith('.fifo')).toBe(true);
    const main = await queueAttributes(await broker.queueUrl('ledger.post', true));
    expect(main.FifoQueue).toBe('true');
    const deadLetter = await queueAttributes(await broker.queueUrl('ledger.post', true, true));
    expect(deadLetter.FifoQueue).toBe('true');
    expect((await subscriptionOf(main.QueueArn!, true)).RawMessageDelivery).toBe('true');
  });

  it('creates a reply queue for the RPC inbox and deletes it on close', async () => {
    const transport = await connected();
    const address = await transport.openReplyInbox(() => undefined);
    const name = address.slice(address.lastIndexOf('/') + 1);
    expect(name).toMatch(new RegExp(`^${broker.prefix}swy-reply-[0-9a-f]{32}$`));
    await transport.close();
    await expect(broker.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).rejects.toThrow(
      /does not exist/,
    );
  });

  it('lets SNS drop topics an exact filter excludes, and deletes what a coarse filter let through without calling the handler', async () => {
    const transport = await connected();
    const exact = recordingHandler();
    const coarse = recordingHandler();
    await transport.subscribe(
      subscriptionSpec({ queue: 'exact.q', patterns: ['shop.orders.#'] }),
      exact.handler,
    );
    await transport.subscribe(
      subscriptionSpec({ queue: 'coarse.q', patterns: ['shop.*'] }),
      coarse.handler,
    );
    await transport.publish(outgoingMessage('shop.orders.eu.created', { n: 1 }));
    await transport.publish(outgoingMessage('shop.payments.eu.created', { n: 2 }));
    await transport.publish(outgoingMessage('shop.paid', { n: 3 }));
    await waitFor(() => exact.received.length === 1 && coarse.received.length === 1, {
      message: 'one message on each queue',
    });
    expect(exact.received[0]!.topic).toBe('shop.orders.eu.created');
    expect(coarse.received[0]!.topic).toBe('shop.paid');
    // SNS delivered both deeper topics to the coarse queue; the subscriber deleted them.
    const coarseUrl = await broker.queueUrl('coarse.q');
    await waitFor(
      async () => {
        const attributes = await queueAttributes(coarseUrl);
        return (
          attributes.ApproximateNumberOfMessages === '0' &&
          attributes.ApproximateNumberOfMessagesNotVisible === '0'
        );
      },
      { message: 'the coarse queue to be empty' },
    );
    expect(coarse.received).toHaveLength(1);
  });
});
