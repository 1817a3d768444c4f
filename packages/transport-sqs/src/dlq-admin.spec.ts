import {
  DeadLetterHeaders,
  type Settlement,
  UnknownQueueError,
  replayDeadLetters,
} from '@switchyard/core';
import { outgoingMessage, waitFor } from '@switchyard/testing';
import { recordingHandler, subscriptionSpec } from './spec-support/specs';
import { TestBroker } from './spec-support/test-broker';
import { SqsTransport } from './transport';

const broker = new TestBroker();
const transport = new SqsTransport(broker.options());
beforeAll(() => transport.connect());
afterAll(async () => {
  await transport.close();
  await broker.cleanup();
});

const reject = (): Settlement => ({
  kind: 'dead-letter',
  headers: { [DeadLetterHeaders.reason]: 'SWY_REJECTED', [DeadLetterHeaders.error]: 'no' },
});

/** A queue whose handler dead-letters everything it gets at first, holding these letters. */
async function queueWithLetters(queue: string, ids: readonly string[]) {
  let rejecting = true;
  const { received, handler } = recordingHandler(() => (rejecting ? reject() : { kind: 'ack' }));
  const subscription = await transport.subscribe(
    subscriptionSpec({ queue, patterns: [queue] }),
    handler,
  );
  for (const id of ids)
    await transport.publish(outgoingMessage(queue, { id }, { id, key: `k-${id}` }));
  await waitFor(async () => (await transport.peekDeadLetters(queue, 100)).length === ids.length, {
    message: `${ids.length} dead letters in ${queue}`,
  });
  return {
    received,
    subscription,
    accept: () => {
      rejecting = false;
    },
  };
}

const letterIds = async (queue: string) =>
  (await transport.peekDeadLetters(queue, 100)).map((letter) => letter.id).sort();

describe('SQS dead-letter admin', () => {
  it('redelivers into one queue alone, as a first attempt with its topic, key and headers', async () => {
    const topic = 'parcels.lost';
    const target = recordingHandler();
    const bystander = recordingHandler();
    await transport.subscribe(
      subscriptionSpec({ queue: 'target.handle', patterns: [topic] }),
      target.handler,
    );
    await transport.subscribe(
      subscriptionSpec({ queue: 'bystander.handle', patterns: [topic] }),
      bystander.handler,
    );
    await transport.redeliver(
      'target.handle',
      outgoingMessage(
        topic,
        { n: 1 },
        { id: 'again-1', key: 'k-1', headers: { 'x-tenant': 'acme' } },
      ),
    );
    await waitFor(() => target.received.length === 1, { message: 'the redelivered message' });
    expect(target.received[0]).toMatchObject({
      id: 'again-1',
      topic,
      key: 'k-1',
      attempt: 1,
      headers: { 'x-tenant': 'acme' },
    });
    await transport.publish(outgoingMessage(topic, { n: 2 }));
    await waitFor(() => bystander.received.length === 1, { message: 'a later publish' });
    expect(bystander.received.map((message) => message.id)).not.toContain('again-1');
  });

  it('refuses to redeliver, delete or purge for a queue that does not exist', async () => {
    await expect(
      transport.redeliver('nobody.handle', outgoingMessage('x.y', {})),
    ).rejects.toBeInstanceOf(UnknownQueueError);
    await expect(transport.deleteDeadLetters('nobody.handle', ['x'])).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
    await expect(transport.purgeDeadLetters('nobody.handle')).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
    expect(await transport.peekDeadLetters('nobody.handle', 10)).toEqual([]);
  });

  it('deletes the letters with the given ids and leaves the others in place', async () => {
    await queueWithLetters('trimmed.handle', ['a', 'b', 'c', 'd']);
    expect(await transport.deleteDeadLetters('trimmed.handle', ['b', 'd', 'not-there'])).toBe(2);
    expect(await letterIds('trimmed.handle')).toEqual(['a', 'c']);
    expect(await transport.deleteDeadLetters('trimmed.handle', [])).toBe(0);
  });

  it('purges every letter and says how many', async () => {
    await queueWithLetters('shredder.handle', ['a', 'b', 'c']);
    expect(await transport.purgeDeadLetters('shredder.handle')).toBe(3);
    expect(await letterIds('shredder.handle')).toEqual([]);
  });

  it('replays letters into their queue as first attempts and removes them', async () => {
    const { received, accept } = await queueWithLetters('replayed.handle', ['r1', 'r2']);
    accept();
    const letters = await transport.peekDeadLetters('replayed.handle', 10);
    expect(await replayDeadLetters(transport, 'replayed.handle', letters)).toHaveLength(2);
    await waitFor(() => received.length === 4, { message: 'both letters handled again' });
    expect(
      received
        .slice(2)
        .map((message) => [message.id, message.attempt])
        .sort(),
    ).toEqual([
      ['r1', 1],
      ['r2', 1],
    ]);
    expect(received[2]!.headers[DeadLetterHeaders.reason]).toBeUndefined();
    expect(await letterIds('replayed.handle')).toEqual([]);
  });

  it('lists the queues that have a dead-letter queue, by their Switchyard names', async () => {
    await transport.subscribe(
      subscriptionSpec({ queue: 'listed.handle', patterns: ['listed.topic'] }),
      recordingHandler().handler,
    );
    const queues = await transport.listDeadLetterQueues();
    expect(queues).toContain('listed.handle');
    expect(queues).toContain('target.handle');
    expect([...queues].sort()).toEqual(queues);
  });
});
