import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { Recorder, waitFor } from '@switchyard/testing';
import { RedisSpecRun } from './spec-support/redis-spec-kit';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

function auditOf(pattern: string, group: string, seen: Recorder<{ n: number }>) {
  @Consumer({ group })
  class Audit {
    @Subscribe(pattern)
    on(payload: { n: number }, ctx: MessageContext) {
      seen.record(payload, ctx);
    }
  }
  return Audit;
}

describe('Redis wildcard subscriptions', () => {
  it('bind topics first published after the worker started, announced at once', async () => {
    const seen = new Recorder<{ n: number }>();
    // A rescan an hour away: only the announcement can bind the new streams in time.
    const app = await run.app([auditOf('shop.orders.*', 'audit', seen)], {
      discoveryIntervalMs: 3_600_000,
    });
    await app.bus.publish('shop.orders.created', { n: 1 });
    await app.bus.publish('shop.orders.shipped', { n: 2 });
    await app.bus.publish('shop.payments.created', { n: 3 });
    await seen.waitForCount(2, 5_000);
    expect(seen.handled.map((h) => h.ctx.topic).sort()).toEqual([
      'shop.orders.created',
      'shop.orders.shipped',
    ]);
  });

  it('find a stream a foreign producer created, without losing what it added before', async () => {
    const seen = new Recorder<{ n: number }>();
    await run.app([auditOf('legacy.#', 'legacy-audit', seen)], { discoveryIntervalMs: 100 });
    // Never announced, never in the registry: only the periodic SCAN can find it.
    const stream = run.stream('legacy.orders.eu.created');
    await run.raw().xadd(stream, '*', 'body', '{"n":1}');
    await run.raw().xadd(stream, '*', 'body', '{"n":2}');
    await seen.waitForCount(2, 10_000);
    expect(seen.payloads.map((p) => p.n)).toEqual([1, 2]);
    expect(seen.handled[0]!.ctx.topic).toBe('legacy.orders.eu.created');
  });

  it('deliver to a stopped wildcard queue what was published to a new topic meanwhile', async () => {
    const seen = new Recorder<{ n: number }>();
    const Audit = auditOf('billing.*', 'billing-audit', seen);
    const first = await run.app([Audit]);
    await first.stop();
    const publisher = await run.app([]);
    await publisher.bus.publish('billing.refunded', { n: 1 });
    await run.app([Audit]);
    await seen.waitForCount(1, 10_000);
    expect(seen.handled[0]!.ctx.topic).toBe('billing.refunded');
  });

  it('ignore the transport’s own streams, even under a catch-all pattern', async () => {
    const seen = new Recorder<{ n: number }>();
    @Consumer({ group: 'picky' })
    class Picky {
      @Subscribe('catchall.rejected')
      on(_payload: unknown, ctx: MessageContext) {
        ctx.reject('not wanted');
      }
    }
    const app = await run.app([auditOf('#', 'everything', seen), Picky], {
      discoveryIntervalMs: 100,
    });
    await app.bus.publish('catchall.rejected', { n: 1 });
    await seen.waitForCount(1, 10_000);
    const deadLetters = run.namespace + 'dlq:picky.on';
    await waitFor(async () => (await run.raw().xlen(deadLetters)) === 1);
    // A stream created after the dead letter, found only by a later rescan.
    await run.raw().xadd(run.stream('catchall.later'), '*', 'body', '{"n":2}');
    await seen.waitForCount(2, 10_000);
    const groups = (await run.raw().xinfo('GROUPS', deadLetters)) as unknown[];
    expect(groups).toEqual([]);
    expect(seen.handled.map((h) => h.ctx.topic).sort()).toEqual([
      'catchall.later',
      'catchall.rejected',
    ]);
  });
});
