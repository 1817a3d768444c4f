import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ACK, MessageTooLargeError, type InboundMessage, silentLogger } from '@switchyard/core';
import { outgoingMessage, waitFor } from '@switchyard/testing';
import { REDRIVE_REASON } from './dead-letters';
import { recordingHandler, subscriptionSpec } from './spec-support/specs';
import { TestBroker } from './spec-support/test-broker';
import { type SqsTransportOptions } from './options';
import { SqsTransport } from './transport';
import { SqsTopology } from './topology';
import { createClients } from './clients';

const broker = new TestBroker();
const transports: SqsTransport[] = [];

async function connected(options: SqsTransportOptions = {}): Promise<SqsTransport> {
  const transport = new SqsTransport(broker.options(options));
  transports.push(transport);
  await transport.connect();
  return transport;
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});
afterAll(() => broker.cleanup());

describe('SQS delivery', () => {
  it('hands a plain JSON message sent to the queue with the raw SDK to the handler', async () => {
    const transport = await connected();
    const { received, handler } = recordingHandler();
    await transport.subscribe(
      subscriptionSpec({ queue: 'imports.run', patterns: ['orders.imported'] }),
      handler,
    );
    const sent = await broker.sqs.send(
      new SendMessageCommand({
        QueueUrl: await broker.queueUrl('imports.run'),
        MessageBody: '{"orderId":"legacy-1"}',
        MessageAttributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
      }),
    );
    await waitFor(() => received.length === 1, { message: 'the foreign message' });
    expect(received[0]).toMatchObject({
      id: sent.MessageId,
      topic: 'orders.imported',
      key: undefined,
      attempt: 1,
      queue: 'imports.run',
      headers: { tenant: 'acme' },
    });
    expect(received[0]!.body.toString()).toBe('{"orderId":"legacy-1"}');
  });

  it('keeps a message invisible while its handler runs longer than the visibility timeout', async () => {
    const [first, second] = [await connected(), await connected()];
    const spec = subscriptionSpec({
      queue: 'slow.work',
      transportOptions: { visibilityTimeoutSeconds: 1 },
    });
    const handled: string[] = [];
    const slow = (instance: string) => async (message: InboundMessage) => {
      handled.push(`${instance}@${message.attempt}`);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return ACK;
    };
    await first.subscribe(spec, slow('first'));
    await second.subscribe(spec, slow('second'));
    await first.publish(outgoingMessage('slow.work', { n: 1 }));
    await waitFor(() => handled.length === 1, { message: 'the message to be taken' });
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatch(/@1$/);
  }, 15_000);

  it("redelivers a crashed worker's message to another instance once its visibility timeout ends, as attempt 2", async () => {
    const spec = subscriptionSpec({
      queue: 'crash.work',
      transportOptions: { visibilityTimeoutSeconds: 1 },
    });
    const crashing = await connected();
    let taken: () => void = () => undefined;
    const takenByFirst = new Promise<void>((resolve) => {
      taken = resolve;
    });
    let release: () => void = () => undefined;
    await crashing.subscribe(spec, async () => {
      taken();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return ACK;
    });
    await crashing.publish(outgoingMessage('crash.work', { n: 1 }));
    await takenByFirst;
    crashing.disconnect();
    const survivor = await connected();
    const { received, handler } = recordingHandler();
    await survivor.subscribe(spec, handler);
    await waitFor(() => received.length === 1, { message: 'the redelivery', timeoutMs: 10_000 });
    release();
    expect(received[0]!.attempt).toBe(2);
  });

  it('lets the redrive policy move a message nobody settles to the dead-letter queue, marked as such', async () => {
    const options = { redriveMargin: 0 };
    const spec = subscriptionSpec({
      queue: 'poison.work',
      handler: 'Poison.handle',
      maxAttempts: 1,
      transportOptions: { visibilityTimeoutSeconds: 1 },
    });
    const crashing = await connected(options);
    let taken = false;
    await crashing.subscribe(spec, () => {
      taken = true;
      return new Promise(() => undefined);
    });
    await crashing.publish(outgoingMessage('poison.work', { n: 1 }, { id: 'poison-1' }));
    await waitFor(() => taken, { message: 'the message to be taken' });
    crashing.disconnect();
    const survivor = await connected(options);
    const { received, handler } = recordingHandler();
    await survivor.subscribe(spec, handler);
    const letters = await waitFor(
      async () => {
        const found = await survivor.peekDeadLetters('poison.work', 10);
        return found.length > 0 ? found : undefined;
      },
      { message: 'the redriven dead letter', timeoutMs: 10_000 },
    );
    expect(letters[0]).toMatchObject({ id: 'poison-1', topic: 'poison.work' });
    expect(letters[0]!.headers).toMatchObject({
      'swy-dlq-reason': REDRIVE_REASON,
      'swy-dlq-queue': 'poison.work',
      'swy-dlq-original-topic': 'poison.work',
      'swy-dlq-handler': 'Poison.handle',
    });
    expect(received).toHaveLength(0);
  });

  it('closes promptly while a long poll waits on an empty queue', async () => {
    const transport = await connected({ waitTimeSeconds: 20 });
    const subscription = await transport.subscribe(
      subscriptionSpec({ queue: 'idle.q' }),
      recordingHandler().handler,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await subscription.close();
    await transport.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('delays a message on an ordered queue too, counting it as a first attempt', async () => {
    const transport = await connected();
    const { received, handler } = recordingHandler();
    await transport.subscribe(
      subscriptionSpec({ queue: 'ordered.delayed', ordered: true }),
      handler,
    );
    const sentAt = Date.now();
    await transport.publish(
      outgoingMessage('ordered.delayed', { n: 1 }, { key: 'k', delayMs: 1_500 }),
    );
    await waitFor(() => received.length === 1, { message: 'the delayed message' });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_450);
    expect(received[0]!.attempt).toBe(1);
  });

  it('delivers a message id once on an ordered queue, whose FIFO deduplication drops repeats', async () => {
    const transport = await connected();
    const { received, handler } = recordingHandler();
    await transport.subscribe(subscriptionSpec({ queue: 'ordered.dedup', ordered: true }), handler);
    for (const n of [1, 2]) {
      await transport.publish(outgoingMessage('ordered.dedup', { n }, { id: 'same-id', key: 'k' }));
    }
    await transport.publish(
      outgoingMessage('ordered.dedup', { n: 3 }, { id: 'other-id', key: 'k' }),
    );
    await waitFor(() => received.length === 2, { message: 'two distinct messages' });
    expect(received.map((message) => JSON.parse(message.body.toString()).n)).toEqual([1, 3]);
  });

  it('carries a binary body through unchanged', async () => {
    const transport = await connected();
    const { received, handler } = recordingHandler();
    await transport.subscribe(subscriptionSpec({ queue: 'binary.q' }), handler);
    const body = Buffer.from([0, 1, 2, 254, 255]);
    await transport.publish({
      ...outgoingMessage('binary.q', null),
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await waitFor(() => received.length === 1, { message: 'the binary message' });
    expect(received[0]!.body).toEqual(body);
    expect(received[0]!.headers['content-type']).toBe('application/octet-stream');
  });

  it('refuses a message over 256 KiB with MessageTooLargeError before sending it', async () => {
    const transport = await connected();
    const body = Buffer.alloc(262_144, 'a');
    await expect(
      transport.publish({ ...outgoingMessage('big.q', null), body }),
    ).rejects.toBeInstanceOf(MessageTooLargeError);
  });

  it('reports how many messages wait in a queue, and nothing for an unknown queue', async () => {
    const transport = await connected();
    // Declared without a consumer: closing one would leave its aborted long poll to take a message.
    const clients = createClients(transport.options);
    await new SqsTopology(clients, transport.options).declareQueue(
      subscriptionSpec({ queue: 'backlog.q' }),
      30,
    );
    clients.sqs.destroy();
    clients.sns.destroy();
    for (let n = 0; n < 3; n++) await transport.publish(outgoingMessage('backlog.q', { n }));
    expect(await transport.queueSize('backlog.q')).toBe(3);
    expect(await transport.queueSize('nobody.q')).toBeUndefined();
  });

  it('leaves dead letters in place when peeking, with the reason as an attribute of its own', async () => {
    const transport = await connected();
    await transport.subscribe(subscriptionSpec({ queue: 'reject.q' }), async () => ({
      kind: 'dead-letter',
      headers: { 'swy-dlq-reason': 'SWY_REJECTED', 'swy-dlq-error': 'no' },
    }));
    await transport.publish(outgoingMessage('reject.q', { n: 1 }, { id: 'letter-1' }));
    const first = await waitFor(
      async () => {
        const letters = await transport.peekDeadLetters('reject.q', 10);
        return letters.length > 0 ? letters : undefined;
      },
      { message: 'the dead letter' },
    );
    expect((await transport.peekDeadLetters('reject.q', 10)).map((l) => l.id)).toEqual([
      'letter-1',
    ]);
    expect(first[0]!.headers['swy-dlq-error']).toBe('no');
    const raw = await broker.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: await broker.queueUrl('reject.q', false, true),
        MessageAttributeNames: ['All'],
      }),
    );
    expect(raw.Messages?.[0]?.MessageAttributes?.['swy-dlq-reason']?.StringValue).toBe(
      'SWY_REJECTED',
    );
  });

  it('drops a reply to a reply queue that no longer exists', async () => {
    const requester = await connected();
    const address = await requester.openReplyInbox(() => undefined);
    await requester.close();
    const responder = await connected({ logger: silentLogger });
    await expect(
      responder.reply(address, outgoingMessage('billing.quote', { total: 1 })),
    ).resolves.toBeUndefined();
  });
});
