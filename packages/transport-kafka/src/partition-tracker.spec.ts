import { describe, expect, it } from '@jest/globals';
import type { InboundMessage } from '@switchyard/core';
import { Delivery } from './delivery';
import { PartitionTracker } from './partition-tracker';

function fetch(tracker: PartitionTracker, offset: number, key?: string): Delivery {
  const delivery = new Delivery(tracker, offset, 0);
  delivery.message = { key } as InboundMessage;
  tracker.add(delivery);
  return delivery;
}

describe('PartitionTracker', () => {
  it('commits up to the first unsettled record, never past a gap', () => {
    const tracker = new PartitionTracker('t', 0, false);
    const [a, b, c] = [fetch(tracker, 10), fetch(tracker, 11), fetch(tracker, 12)];
    tracker.fetchedEnd = 13;
    tracker.settle(a);
    tracker.settle(c);
    expect(tracker.watermark()).toBe(11);
    tracker.settle(b);
    expect(tracker.watermark()).toBe(13);
  });

  it('moves past offsets it never saw (transaction markers) once all fetched records are settled', () => {
    const tracker = new PartitionTracker('t', 0, false);
    const a = fetch(tracker, 4);
    const b = fetch(tracker, 6); // offset 5 was a commit marker
    tracker.fetchedEnd = 8;
    tracker.settle(a);
    expect(tracker.watermark()).toBe(6);
    tracker.settle(b);
    expect(tracker.watermark()).toBe(8);
  });

  it('keeps the commit point on the first unsettled record while settled ones are let go', () => {
    const tracker = new PartitionTracker('t', 0, false);
    const fetched = Array.from({ length: 2_000 }, (_, i) => fetch(tracker, 100 + i));
    tracker.fetchedEnd = 2_100;
    const late = fetched[1_500];
    for (const delivery of fetched) if (delivery !== late) tracker.settle(delivery);
    expect(tracker.watermark()).toBe(1_600);
    expect(tracker.unsettled).toBe(1);
    expect(tracker.watermarkIfAcked(late)).toBe(2_100);
    tracker.settle(late);
    expect(tracker.watermark()).toBe(2_100);
    const next = fetch(tracker, 2_100);
    tracker.fetchedEnd = 2_101;
    expect(tracker.watermark()).toBe(2_100);
    tracker.settle(next);
    expect(tracker.watermark()).toBe(2_101);
  });

  it('lets one record of a key run at a time, in offset order, and keyless ones freely', () => {
    const tracker = new PartitionTracker('t', 0, false);
    const [a1, b1, a2, free] = [
      fetch(tracker, 0, 'a'),
      fetch(tracker, 1, 'b'),
      fetch(tracker, 2, 'a'),
      fetch(tracker, 3),
    ];
    expect([a1, b1, a2, free].map((d) => tracker.enterLane(d))).toEqual([true, true, false, true]);
    expect(tracker.settle(b1)).toBeUndefined();
    a2.state = 'queued';
    expect(tracker.settle(a1)).toBe(a2);
  });

  it('resolves a transaction waiting for its turn once every earlier record is settled', async () => {
    const tracker = new PartitionTracker('t', 0, false);
    const [a, b] = [fetch(tracker, 0), fetch(tracker, 1)];
    let turn = false;
    const waiting = tracker.whenAckedBefore(1).then(() => (turn = true));
    await Promise.resolve();
    expect(turn).toBe(false);
    tracker.settle(a);
    await waiting;
    expect(tracker.watermarkIfAcked(b)).toBe(-1); // nothing after b: the fetch position
  });

  it('gives back, on close, what was fetched after the last record handed out', () => {
    const tracker = new PartitionTracker('t', 0, false);
    const [a, b, c] = [fetch(tracker, 0), fetch(tracker, 1), fetch(tracker, 2)];
    a.state = 'running';
    b.state = 'queued';
    c.state = 'ready';
    tracker.highestDispatched = 1;
    tracker.dropUndelivered();
    expect([a.state, b.state, c.state]).toEqual(['running', 'queued', 'dropped']);
  });
});
