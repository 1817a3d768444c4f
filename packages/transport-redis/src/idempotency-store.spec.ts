import { afterAll, describe, expect, it } from '@jest/globals';
import {
  Consumer,
  Idempotent,
  type MessageContext,
  Subscribe,
  Switchyard,
  silentLogger,
} from '@switchyard/core';
import { MemoryBroker, MemoryTransport, Recorder, waitFor } from '@switchyard/testing';
import { RedisIdempotencyStore } from './idempotency-store';
import { REDIS_URL, RedisSpecRun } from './spec-support/redis-spec-kit';

const run = new RedisSpecRun();
const stores: RedisIdempotencyStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await run.cleanup();
});

/** A store with its own connection, as another worker process would have. */
function worker(): RedisIdempotencyStore {
  const store = new RedisIdempotencyStore({ url: REDIS_URL, prefix: `${run.namespace}idem:` });
  stores.push(store);
  return store;
}

describe('RedisIdempotencyStore', () => {
  it('claims a key once, reports it in progress to others, then completed', async () => {
    const [a, b] = [worker(), worker()];
    expect(await a.begin('k1', 10_000)).toBe('acquired');
    expect(await b.begin('k1', 10_000)).toBe('in-progress');
    await a.complete('k1', 60_000);
    expect(await b.begin('k1', 10_000)).toBe('completed');
    expect(await run.raw().get(`${run.namespace}idem:k1`)).toBe('done');
  });

  it('lets exactly one of two workers claiming at the same moment win, key after key', async () => {
    const [a, b] = [worker(), worker()];
    const keys = Array.from({ length: 50 }, (_, i) => `race-${i}`);
    const results = await Promise.all(
      keys.map((key) => Promise.all([a.begin(key, 10_000), b.begin(key, 10_000)])),
    );
    for (const pair of results) expect([...pair].sort()).toEqual(['acquired', 'in-progress']);
  });

  it('releases a claim on abandon, so the next delivery runs the handler', async () => {
    const [a, b] = [worker(), worker()];
    expect(await a.begin('k2', 10_000)).toBe('acquired');
    await a.abandon('k2');
    expect(await b.begin('k2', 10_000)).toBe('acquired');
  });

  it('lets a crashed worker’s claim expire after its lease', async () => {
    const [a, b] = [worker(), worker()];
    expect(await a.begin('k3', 100)).toBe('acquired');
    await waitFor(async () => (await b.begin('k3', 10_000)) === 'acquired', {
      message: 'the lease to run out',
    });
  });

  it('does not delete a claim another worker took after this one’s lease ran out', async () => {
    const [a, b, c] = [worker(), worker(), worker()];
    expect(await a.begin('k4', 50)).toBe('acquired');
    await waitFor(async () => (await b.begin('k4', 10_000)) === 'acquired');
    await a.abandon('k4');
    expect(await c.begin('k4', 10_000)).toBe('in-progress');
  });

  it('forgets a completed key after its ttl, each key on its own', async () => {
    const store = worker();
    await store.begin('short', 10_000);
    await store.complete('short', 150);
    await store.begin('long', 10_000);
    await store.complete('long', 60_000);
    const ttl = await run.raw().pttl(`${run.namespace}idem:short`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    await waitFor(async () => (await store.begin('short', 10_000)) === 'acquired');
    expect(await store.begin('long', 10_000)).toBe('completed');
  });

  it('makes @Idempotent handlers skip duplicates on any transport, here the in-memory one', async () => {
    const seen = new Recorder<{ paymentId: string }>();
    @Consumer({ group: 'ledger' })
    class Ledger {
      @Subscribe('payments.captured')
      @Idempotent({ key: (ctx) => ctx.message.id, ttlMs: 60_000 })
      handle(payload: { paymentId: string }, ctx: MessageContext) {
        seen.record(payload, ctx);
      }
    }
    const app = await Switchyard.create({
      transport: new MemoryTransport(new MemoryBroker()),
      consumers: [Ledger],
      idempotencyStore: worker(),
      logger: silentLogger,
      queueSizeIntervalMs: 0,
    });
    await app.start();
    for (let i = 0; i < 3; i++) {
      await app.bus.publish('payments.captured', { paymentId: 'p-1' }, { messageId: 'pay-1' });
    }
    await seen.waitForCount(1, 5_000);
    await waitFor(async () => {
      const metric = await app.metrics.processed.get();
      return metric.values.find((v) => v.labels.status === 'duplicate')?.value === 2;
    });
    await app.stop();
    expect(seen.handled).toHaveLength(1);
    expect(await run.raw().get(`${run.namespace}idem:ledger.handle:pay-1`)).toBe('done');
  });
});
