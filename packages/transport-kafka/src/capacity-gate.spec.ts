import { describe, expect, it } from '@jest/globals';
import { CapacityGate } from './capacity-gate';

/** Whether `promise` settles once the events already queued have run. */
async function settlesNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise(setImmediate);
  return settled;
}

function gate(free: { records: number }, intervalMs = 3_600_000) {
  let beats = 0;
  const capacity = new CapacityGate(100, { freeCapacity: () => free.records }, intervalMs);
  const heartbeat = async () => void beats++;
  return { capacity, heartbeat, beats: () => beats };
}

describe('CapacityGate', () => {
  it('lets a batch on at once when handlers settling at once already freed a quarter of prefetch', async () => {
    const { capacity, heartbeat, beats } = gate({ records: 25 });
    expect(await settlesNow(capacity.wait(heartbeat))).toBe(true);
    expect(beats()).toBe(1);
  });

  it('holds a batch while room is short, and wakes it once settling frees a quarter of prefetch', async () => {
    const free = { records: 10 };
    const { capacity, heartbeat, beats } = gate(free);
    const waiting = capacity.wait(heartbeat);
    expect(await settlesNow(waiting)).toBe(false);
    free.records = 20;
    capacity.check();
    expect(await settlesNow(waiting)).toBe(false);
    free.records = 25;
    capacity.check();
    expect(await settlesNow(waiting)).toBe(true);
    expect(beats()).toBe(1);
  });

  it('wakes a waiting batch after its interval at the latest, so that the consumer heartbeats', async () => {
    const { capacity, heartbeat, beats } = gate({ records: 0 }, 20);
    await capacity.wait(heartbeat);
    expect(beats()).toBe(1);
  });
});
