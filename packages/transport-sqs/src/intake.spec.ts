import type { Received } from './inbound';
import { DeliveryBuffer } from './delivery-buffer';
import { patternSet, sortIntake } from './intake';

let counter = 0;
function received(overrides: Partial<Received> & { topic?: string } = {}): Received {
  const { topic = 'orders.created', ...rest } = overrides;
  const id = `m${++counter}`;
  return {
    message: {
      id,
      topic,
      key: undefined,
      headers: {},
      body: Buffer.from('{}'),
      timestamp: 0,
      priority: undefined,
      delayMs: undefined,
      attempt: 1,
      queue: 'q',
    },
    receiptHandle: `h-${id}`,
    sqsMessageId: id,
    group: undefined,
    deliverAt: undefined,
    routed: true,
    ...rest,
  };
}

describe('sortIntake', () => {
  const matches = patternSet(['orders.*']);

  it('delivers matching messages and drops those SNS let through but no pattern matches', () => {
    const batch = [received(), received({ topic: 'orders.eu.created' }), received()];
    expect(sortIntake(batch, 0, matches)).toEqual(['deliver', 'drop', 'deliver']);
  });

  it('always delivers a message that names no topic (sent straight to the queue)', () => {
    expect(sortIntake([received({ topic: 'whatever', routed: false })], 0, matches)).toEqual([
      'deliver',
    ]);
  });

  it('holds a message that is not yet due, and gives back later messages of its group', () => {
    const batch = [
      received({ group: 'k', deliverAt: 2_000 }),
      received({ group: 'k' }),
      received({ group: 'other' }),
      received({ deliverAt: 500 }),
    ];
    expect(sortIntake(batch, 1_000, matches)).toEqual(['hold', 'release', 'deliver', 'deliver']);
  });
});

describe('DeliveryBuffer', () => {
  it('hands out messages in order when the queue is not ordered', () => {
    const buffer = new DeliveryBuffer(false);
    const [a, b] = [received({ group: 'k' }), received({ group: 'k' })];
    buffer.push(a);
    buffer.push(b);
    expect(buffer.take()).toBe(a);
    expect(buffer.take()).toBe(b);
  });

  it('runs one message per group at a time on an ordered queue, in order', () => {
    const buffer = new DeliveryBuffer(true);
    const [k1, k2, other] = [
      received({ group: 'k' }),
      received({ group: 'k' }),
      received({ group: 'j' }),
    ];
    for (const message of [k1, k2, other]) buffer.push(message);
    expect(buffer.take()).toBe(k1);
    expect(buffer.runnable()).toBe(1);
    expect(buffer.take()).toBe(other);
    expect(buffer.take()).toBeUndefined();
    buffer.finished(k1);
    expect(buffer.take()).toBe(k2);
  });

  it('gives up the later messages of a group, for a retry to keep its place', () => {
    const buffer = new DeliveryBuffer(true);
    const [k1, k2, j1, k3] = ['k', 'k', 'j', 'k'].map((group) => received({ group }));
    for (const message of [k1!, k2!, j1!, k3!]) buffer.push(message);
    expect(buffer.take()).toBe(k1);
    expect(buffer.removeGroup('k')).toEqual([k2, k3]);
    expect(buffer.size).toBe(1);
  });
});
