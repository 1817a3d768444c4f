import { ManagementApiError } from './errors';
import { listVhostQueues, queuesWithDeadLetters } from './management-api';
import { BROKER_URL, MANAGEMENT_URL, TestBroker } from './testing/broker';
import { subscriptionSpec } from '@switchyard/testing';

describe('RabbitMQ management API', () => {
  const broker = new TestBroker();

  afterAll(() => broker.cleanup());

  it('lists the vhost queues with their arguments, with the AMQP credentials when it has none', async () => {
    const transport = broker.transport();
    const queue = `${broker.id}.listed`;
    await transport.connect();
    await (
      await transport.subscribe(subscriptionSpec(queue, ['x']), async () => ({ kind: 'ack' }))
    ).close();
    await transport.close();
    const bare = new URL(MANAGEMENT_URL);
    bare.username = '';
    bare.password = '';
    const queues = await listVhostQueues(bare.href, BROKER_URL);
    expect(queues).toContainEqual({
      name: queue,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${queue}.dlq` },
    });
    expect(queues).toContainEqual({ name: `${queue}.dlq`, arguments: {} });
  });

  it('fails with ManagementApiError on wrong credentials or when nothing answers', async () => {
    const wrong = new URL(MANAGEMENT_URL);
    wrong.username = 'guest';
    wrong.password = 'not-the-password';
    const refused = listVhostQueues(wrong.href, BROKER_URL);
    await expect(refused).rejects.toBeInstanceOf(ManagementApiError);
    await expect(refused).rejects.toThrow(/answered 401 Unauthorized to GET \/api\/queues\/%2F/);
    await expect(listVhostQueues('http://127.0.0.1:9/', BROKER_URL)).rejects.toBeInstanceOf(
      ManagementApiError,
    );
  });
});

describe('Queues with dead letters', () => {
  it('are the queues that dead-letter to their own .dlq, when that queue exists', () => {
    const dlx = (queue: string) => ({
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': `${queue}.dlq`,
    });
    expect(
      queuesWithDeadLetters([
        { name: 'billing.invoice', arguments: dlx('billing.invoice') },
        { name: 'billing.invoice.dlq', arguments: {} },
        { name: 'audit.log', arguments: dlx('audit.log') },
        { name: 'audit.log.dlq', arguments: {} },
        { name: 'orphan', arguments: dlx('orphan') },
        { name: 'foreign', arguments: {} },
        { name: 'foreign.dlq', arguments: {} },
      ]),
    ).toEqual(['audit.log', 'billing.invoice']);
  });
});
