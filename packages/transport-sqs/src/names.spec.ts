import { fifoId, queueNames, replyQueueName } from './names';

describe('queueNames', () => {
  it('turns dots into underscores and adds the prefix', () => {
    expect(queueNames('billing.onOrderCreated', 'dev-', false)).toEqual({
      main: 'dev-billing_onOrderCreated',
      deadLetter: 'dev-billing_onOrderCreated-dlq',
    });
  });

  it('names ordered queues and their dead-letter queues .fifo', () => {
    expect(queueNames('ledger.post', '', true)).toEqual({
      main: 'ledger_post.fifo',
      deadLetter: 'ledger_post-dlq.fifo',
    });
  });

  it('cuts long names and ends them with a hash, within 80 characters for every suffix', () => {
    const long = `${'orders.'.repeat(20)}handle`;
    const names = queueNames(long, 'prefix-', true);
    expect(names.deadLetter.length).toBeLessThanOrEqual(80);
    expect(names.main).toMatch(/^prefix-orders_orders_.*-[0-9a-f]{8}\.fifo$/);
    expect(queueNames(`${long}2`, 'prefix-', true).main).not.toBe(names.main);
  });

  it('replaces characters SQS refuses and hashes, so distinct names stay distinct', () => {
    const a = queueNames('billing:eu.handle', '', false).main;
    const b = queueNames('billing$eu.handle', '', false).main;
    expect(a).toMatch(/^billing_eu_handle-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('maps a name the same way every time', () => {
    expect(queueNames('a.b', 'p', false)).toEqual(queueNames('a.b', 'p', false));
  });
});

describe('replyQueueName', () => {
  it('is unique per call and valid for SQS', () => {
    const first = replyQueueName('dev-');
    expect(first).toMatch(/^dev-swy-reply-[0-9a-f]{32}$/);
    expect(replyQueueName('dev-')).not.toBe(first);
  });
});

describe('fifoId', () => {
  it('keeps printable ASCII ids and hashes anything else', () => {
    expect(fifoId('customer-7')).toBe('customer-7');
    expect(fifoId('kunde-ü')).toMatch(/^[0-9a-f]{64}$/);
    expect(fifoId('x'.repeat(129))).toMatch(/^[0-9a-f]{64}$/);
    expect(fifoId('kunde-ü')).toBe(fifoId('kunde-ü'));
  });
});
