import { ConfigurationError } from '@switchyard/core';
import { TopologyConflictError } from './errors';
import { TestBroker, listBindings, listQueues } from './testing/broker';
import { deleteTopology } from './admin';
import { ACK } from '@switchyard/core';
import { subscriptionSpec } from '@switchyard/testing';

const broker = new TestBroker();
const transport = broker.transport();
const handler = async () => ACK;

beforeAll(() => transport.connect());
afterAll(async () => {
  await transport.close();
  await broker.cleanup();
});

describe('RabbitMQ topology', () => {
  it('declares a durable queue with a DLQ, bound to the exchange with each pattern', async () => {
    const queue = `${broker.id}.billing.on`;
    const spec = subscriptionSpec(queue, ['orders.*', 'payments.#']);
    const subscription = await transport.subscribe(spec, handler);
    await subscription.close();
    const queues = await listQueues(queue);
    expect(queues.map((q) => q.name).sort()).toEqual([queue, `${queue}.dlq`]);
    const main = queues.find((q) => q.name === queue)!;
    expect(main.durable).toBe(true);
    expect(main.type).toBe('classic');
    expect(main.arguments).toContain(`{"x-dead-letter-routing-key","${queue}.dlq"}`);
    expect(await listBindings(broker.exchange, queue)).toEqual(['orders.*', 'payments.#']);
  });

  it('declares the same queue again without complaint', async () => {
    const spec = subscriptionSpec(`${broker.id}.again.on`, ['orders.*']);
    await (await transport.subscribe(spec, handler)).close();
    await (await transport.subscribe(spec, handler)).close();
    expect(await listQueues(spec.queue)).toHaveLength(2);
  });

  it('declares a priority queue for maxPriority and a single active consumer for ordered', async () => {
    const spec = subscriptionSpec(`${broker.id}.prio.on`, ['tickets.*'], {
      maxPriority: 9,
      ordered: true,
    });
    await (await transport.subscribe(spec, handler)).close();
    const main = (await listQueues(spec.queue)).find((q) => q.name === spec.queue)!;
    expect(main.arguments).toContain('{"x-max-priority",9}');
    expect(main.arguments).toContain('{"x-single-active-consumer",true}');
  });

  it('declares a quorum queue with the delivery limit taken from maxAttempts', async () => {
    const spec = subscriptionSpec(`${broker.id}.quorum.on`, ['orders.*'], {
      maxAttempts: 5,
      transportOptions: { queueType: 'quorum' },
    });
    await (await transport.subscribe(spec, handler)).close();
    const main = (await listQueues(spec.queue)).find((q) => q.name === spec.queue)!;
    expect(main.type).toBe('quorum');
    expect(main.arguments).toContain('{"x-delivery-limit",5}');
  });

  it('refuses priority on a quorum queue and an unknown queue type at subscribe', async () => {
    const quorumPriority = subscriptionSpec(`${broker.id}.bad1.on`, ['a.b'], {
      maxPriority: 5,
      transportOptions: { queueType: 'quorum' },
    });
    await expect(transport.subscribe(quorumPriority, handler)).rejects.toThrow(ConfigurationError);
    const unknownType = subscriptionSpec(`${broker.id}.bad2.on`, ['a.b'], {
      transportOptions: { queueType: 'stream' },
    });
    await expect(transport.subscribe(unknownType, handler)).rejects.toThrow(ConfigurationError);
    expect(await listQueues(`${broker.id}.bad`)).toEqual([]);
  });

  it('fails with TopologyConflictError when the queue exists with other arguments', async () => {
    const queue = `${broker.id}.conflict.on`;
    await (await transport.subscribe(subscriptionSpec(queue, ['a.b']), handler)).close();
    const changed = subscriptionSpec(queue, ['a.b'], { maxPriority: 3 });
    await expect(transport.subscribe(changed, handler)).rejects.toThrow(TopologyConflictError);
  });

  it('deletes the queues, their DLQs, the exchanges and the delay queues it declared', async () => {
    const other = new TestBroker();
    const scratch = other.transport();
    await scratch.connect();
    const queue = `${other.id}.gone.on`;
    await (await scratch.subscribe(subscriptionSpec(queue, ['a.b']), handler)).close();
    await scratch.close();
    expect(await listQueues(queue)).toHaveLength(2);
    await deleteTopology(other.url(), { queues: [queue], exchanges: true });
    expect(await listQueues(other.id)).toEqual([]);
  });
});
