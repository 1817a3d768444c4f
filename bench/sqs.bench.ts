/**
 * Amazon SQS (fauxqs on loopback): Switchyard against the raw AWS SDK v3, in the same run on the
 * same emulator, doing the same work with the same batching — 10 entries per batch request and
 * the same number of requests in flight on both sides.
 *
 * - publish: N publishes with WINDOW awaiting confirmation at once. Switchyard publishes to its
 *   SNS topic (`PublishBatch`, fanned out to one subscribed queue); the baseline sends the same
 *   batches with `PublishBatch` to the same topic. A second row compares the same Switchyard
 *   publishes with raw `SendMessageBatch` straight into the queue — the cost of the SNS hop that
 *   gives fan-out, not something a Switchyard publish could skip.
 * - consume + ack (backlog): a queue holding N messages is drained by RECEIVERS long polls of 10
 *   messages; each message is decoded and handled, and acknowledged with `DeleteMessageBatch`.
 *   Timed from the first message handled, so declaring and connecting are not counted.
 *
 * Start the emulator first: `bash scripts/brokers/sqs.sh`.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishBatchCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import {
  Consumer,
  type MessageContext,
  Subscribe,
  Switchyard,
  type Type,
  silentLogger,
} from '@switchyard/core';
import { SqsTransport, type SqsTransportOptions, queueNames } from '@switchyard/sqs';
import { type BenchRow, type Benchmark, type Measurement, measure, now, until } from './bench-kit';

const ENDPOINT = process.env.SWITCHYARD_SQS_ENDPOINT ?? 'http://127.0.0.1:4566';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
/** Publishes awaiting confirmation at once, on both sides (WINDOW / 10 batch requests). */
const WINDOW = 100;
/** Messages fetched ahead on both sides: PREFETCH / 10 long polls at once. */
const PREFETCH = 100;
const RECEIVERS = PREFETCH / 10;
const CONCURRENCY = 32;
/** Rounds of each scenario; the emulator shares two cores with the bench, so one is noisy. */
const ROUNDS = 5;

interface Order {
  orderId: string;
  total: number;
  sentAt: number;
}

interface Sink {
  handled: number;
  firstAt: number;
  /** When the last expected message was handled (long polls still open are not counted). */
  lastAt: number;
}

const run = `swybench${randomBytes(3).toString('hex')}`;
const prefix = `${run}-`;
const topicName = `${run}-events`;

const clientConfig = { region: REGION, endpoint: ENDPOINT, credentials: CREDENTIALS };
const sqs = new SQSClient(clientConfig);
const sns = new SNSClient(clientConfig);

function order(i: number): Order {
  return { orderId: `o-${i}`, total: i, sentAt: now() };
}

function transportOptions(): SqsTransportOptions {
  return {
    ...clientConfig,
    queuePrefix: prefix,
    topic: topicName,
    // No ordered consumer in the bench; the FIFO twin would double every publish.
    fifoTopic: false,
    waitTimeSeconds: 1,
    logger: silentLogger,
  };
}

async function switchyardApp(consumers: Type[]): Promise<Switchyard> {
  const app = await Switchyard.create({
    transport: new SqsTransport(transportOptions()),
    consumers,
    logger: silentLogger,
    queueSizeIntervalMs: 0,
  });
  await app.start();
  return app;
}

/**
 * Starts measuring this process's CPU time; the returned function prints it per message. Printed
 * for each round, it shows the client's own cost, which the emulator sharing the machine's cores
 * turns into throughput.
 */
function cpuMeter(label: string, messages: number): () => void {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    console.log(`  ${label}: ${((used.user + used.system) / messages).toFixed(0)} µs CPU/message`);
  };
}

/** Keeps at most `lanes` operations in flight until `count` are done. */
async function windowed(
  count: number,
  lanes: number,
  step: number,
  work: (from: number, to: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + step);
      await work(from, next);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/**
 * The attributes Switchyard writes, written by hand: the routing attribute, id, time, content
 * type, correlation id and trace context. Both sides put the same bytes on the wire, so the
 * difference is the framework's own cost.
 */
function rawAttributes(topic: string) {
  const id = randomUUID();
  return {
    'swy-topic': { DataType: 'String', StringValue: topic },
    'swy-id': { DataType: 'String', StringValue: id },
    'swy-timestamp': { DataType: 'Number', StringValue: String(Date.now()) },
    'content-type': { DataType: 'String', StringValue: 'application/json' },
    'correlation-id': { DataType: 'String', StringValue: id },
    traceparent: {
      DataType: 'String',
      StringValue: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    },
  };
}

function entries(from: number, to: number, topic: string) {
  return Array.from({ length: to - from }, (_, index) => ({
    Id: String(index),
    Message: JSON.stringify(order(from + index)),
    MessageAttributes: rawAttributes(topic),
  }));
}

async function sendBatch(url: string, from: number, to: number, topic: string): Promise<void> {
  const response = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: entries(from, to, topic).map(({ Message, ...entry }) => ({
        ...entry,
        MessageBody: Message,
      })),
    }),
  );
  if (response.Failed?.length)
    throw new Error(`SendMessageBatch failed: ${response.Failed[0]!.Code}`);
}

async function createQueue(name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  return QueueUrl!;
}

/** The SNS topic and one queue subscribed to everything on it, where publishes land. */
async function publishTarget(): Promise<{ topicArn: string; queueUrl: string }> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
  const queueUrl = await createQueue(`${prefix}publish-sink`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn: TopicArn!, queueUrl };
}

async function publishSwitchyard(messages: number): Promise<Measurement> {
  const app = await switchyardApp([]);
  await app.bus.publish('bench.published', order(-1));
  const cpu = cpuMeter('switchyard publish', messages);
  const startedAt = now();
  await windowed(messages, WINDOW, 1, (i) => app.bus.publish('bench.published', order(i)));
  const elapsed = now() - startedAt;
  cpu();
  await app.stop();
  return measure(messages, elapsed);
}

async function publishRawSns(messages: number, topicArn: string): Promise<Measurement> {
  const cpu = cpuMeter('raw PublishBatch', messages);
  const startedAt = now();
  await windowed(messages, WINDOW / 10, 10, async (from, to) => {
    const response = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: entries(from, to, 'bench.published'),
      }),
    );
    if (response.Failed?.length)
      throw new Error(`PublishBatch failed: ${response.Failed[0]!.Code}`);
  });
  const elapsed = now() - startedAt;
  cpu();
  return measure(messages, elapsed);
}

async function publishRawSqs(messages: number, queueUrl: string): Promise<Measurement> {
  const cpu = cpuMeter('raw SendMessageBatch', messages);
  const startedAt = now();
  await windowed(messages, WINDOW / 10, 10, (from, to) =>
    sendBatch(queueUrl, from, to, 'bench.published'),
  );
  const elapsed = now() - startedAt;
  cpu();
  return measure(messages, elapsed);
}

async function fill(url: string, messages: number, topic: string): Promise<void> {
  await windowed(messages, WINDOW / 10, 10, (from, to) => sendBatch(url, from, to, topic));
}

function consumerFor(sink: Sink, group: string, topic: string): Type {
  @Consumer({ group, concurrency: CONCURRENCY, prefetch: PREFETCH })
  class BenchConsumer {
    @Subscribe(topic)
    on(_payload: Order, _ctx: MessageContext): void {
      if (sink.handled++ === 0) sink.firstAt = now();
    }
  }
  return BenchConsumer;
}

async function consumeSwitchyard(messages: number, round: string): Promise<Measurement> {
  const group = `backlog-sy${round}`;
  const topic = `bench.backlog${round}`;
  // Create the queue and fill it before the consumer starts, so it drains a backlog.
  const url = await createQueue(queueNames(`${group}.on`, prefix, false).main);
  await fill(url, messages, topic);
  const sink: Sink = { handled: 0, firstAt: 0, lastAt: 0 };
  const cpu = cpuMeter('switchyard consume (with start-up)', messages);
  const app = await switchyardApp([consumerFor(sink, group, topic)]);
  await until(() => sink.handled >= messages, 300_000, 'every message to be handled');
  const elapsed = now() - sink.firstAt;
  cpu();
  await app.stop();
  await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  return measure(messages, elapsed);
}

async function consumeRaw(messages: number, round: string): Promise<Measurement> {
  const url = await createQueue(`${prefix}backlog-raw${round}`);
  await fill(url, messages, `bench.backlog${round}`);
  const sink: Sink = { handled: 0, firstAt: 0, lastAt: 0 };
  const deleting: Promise<unknown>[] = [];
  const cpu = cpuMeter('raw consume', messages);
  const receiver = async () => {
    while (sink.handled < messages) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (!Messages) continue;
      for (const message of Messages) {
        JSON.parse(message.Body!) as Order;
        if (sink.handled++ === 0) sink.firstAt = now();
        if (sink.handled === messages) sink.lastAt = now();
      }
      // Acknowledged in the background, as Switchyard does: the next poll does not wait for it.
      deleting.push(
        sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle!,
            })),
          }),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: RECEIVERS }, receiver));
  const elapsed = sink.lastAt - sink.firstAt;
  await Promise.all(deleting);
  cpu();
  await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  return measure(messages, elapsed);
}

/**
 * Runs both sides ROUNDS times, interleaved so that drifts of the machine hit both alike, and
 * keeps each side's median round by throughput.
 */
async function alternate(
  switchyard: (round: string) => Promise<Measurement>,
  baseline: (round: string) => Promise<Measurement>,
  between: () => Promise<void> = async () => undefined,
): Promise<[Measurement, Measurement]> {
  const ours: Measurement[] = [];
  const theirs: Measurement[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await switchyard(String(round)));
    await between();
    theirs.push(await baseline(String(round)));
    await between();
  }
  return [median(ours), median(theirs)];
}

function median(measurements: Measurement[]): Measurement {
  const sorted = [...measurements].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Deletes every queue and the topic the bench created. */
async function cleanUp(topicArn: string | undefined): Promise<void> {
  if (topicArn) await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
  const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  await Promise.all(
    (QueueUrls ?? []).map((url) => sqs.send(new DeleteQueueCommand({ QueueUrl: url }))),
  );
}

/** SQS's benchmark: Switchyard vs the raw AWS SDK. */
export const benchmark: Benchmark = {
  name: 'sqs',
  async available() {
    try {
      await sqs.send(new ListQueuesCommand({ MaxResults: 1 }));
      return true;
    } catch (error) {
      console.log(`sqs: ${ENDPOINT} not reachable (${(error as Error).message})`);
      return false;
    }
  },
  async run(messages: number): Promise<BenchRow[]> {
    let target: { topicArn: string; queueUrl: string } | undefined;
    try {
      target = await publishTarget();
      const { topicArn, queueUrl } = target;
      const purge = () =>
        sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl })).then(() => undefined);
      // Warm up both paths so the JIT has compiled them before anything is measured.
      const warmUp = Math.min(2_000, messages);
      await publishSwitchyard(warmUp);
      await publishRawSns(warmUp, topicArn);
      await consumeSwitchyard(warmUp, 'w');
      await consumeRaw(warmUp, 'w');
      await purge();
      const row = (
        scenario: string,
        baselineName: string,
        sides: [Measurement, Measurement],
      ): BenchRow => ({
        transport: 'sqs',
        scenario,
        messages,
        switchyard: sides[0],
        baseline: sides[1],
        baselineName,
      });
      const publishRows = [
        row(
          `publish (SNS PublishBatch, ${WINDOW} in flight)`,
          'raw SDK PublishBatch',
          await alternate(
            () => publishSwitchyard(messages),
            () => publishRawSns(messages, topicArn),
            purge,
          ),
        ),
        row(
          `publish (${WINDOW} in flight) vs direct send`,
          'raw SDK SendMessageBatch',
          await alternate(
            () => publishSwitchyard(messages),
            () => publishRawSqs(messages, queueUrl),
            purge,
          ),
        ),
      ];
      const consumeRow = row(
        `consume + ack (backlog, ${RECEIVERS} polls of 10)`,
        'raw SDK Receive + DeleteMessageBatch',
        await alternate(
          (round) => consumeSwitchyard(messages, round),
          (round) => consumeRaw(messages, round),
        ),
      );
      return [...publishRows, consumeRow];
    } finally {
      await cleanUp(target?.topicArn);
    }
  },
};
