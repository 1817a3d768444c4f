import { describe, expect, it } from '@jest/globals';
import type { Delivery } from './delivery';
import { HeldDeliveries } from './held-deliveries';

function delivery(stream: string, entryId: string): Delivery {
  return {
    stream,
    entryId,
    message: {
      id: entryId,
      topic: 't',
      key: undefined,
      headers: {},
      body: Buffer.from('{}'),
      timestamp: 0,
      priority: undefined,
      delayMs: undefined,
      attempt: 1,
      queue: 'q',
    },
    deliveryCount: 1,
    acked: false,
  };
}

describe('HeldDeliveries', () => {
  it('counts what it holds and lists the entry ids held per stream', () => {
    const held = new HeldDeliveries();
    const a = delivery('s1', '1-0');
    held.add(a);
    held.add(delivery('s1', '2-0'));
    held.add(delivery('s2', '1-0'));
    expect(held.size).toBe(3);
    expect([...held.entryIds('s1')]).toEqual(['1-0', '2-0']);
    held.delete(a);
    expect([...held.entryIds('s1')]).toEqual(['2-0']);
    expect(held.size).toBe(2);
  });

  it('says a fresh read repeats nothing, unless the group was recreated while entries were held', () => {
    const held = new HeldDeliveries();
    const a = delivery('s1', '1-0');
    held.add(a);
    expect(held.repeats('s1', '1-0')).toBe(false);
    held.groupRecreated();
    expect(held.repeats('s1', '1-0')).toBe(true);
    expect(held.repeats('s2', '1-0')).toBe(false);
    held.add(delivery('s1', '5-0'));
    expect(held.repeats('s1', '5-0')).toBe(false);
    held.delete(a);
    expect(held.repeats('s1', '1-0')).toBe(false);
  });
});
