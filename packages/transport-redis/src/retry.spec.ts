import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Retry, Subscribe } from '@switchyard/core';
import { Recorder, waitFor } from '@switchyard/testing';
import { RedisSpecRun } from './spec-support/redis-spec-kit';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

describe('Redis delayed retries and delivery', () => {
  it('retries after the backoff without holding back the rest of the queue', async () => {
    const events: string[] = [];
    const done = new Recorder<{ id: string }>();
    @Consumer({ group: 'billing', concurrency: 1 })
    class Billing {
      @Subscribe('invoices.due')
      @Retry({ attempts: 2, backoff: { initialMs: 700, jitter: 0 } })
      handle(payload: { id: string }, ctx: MessageContext) {
        events.push(`${payload.id}@${ctx.attempt}`);
        if (payload.id === 'a' && ctx.attempt === 1) throw new Error('transient');
        done.record(payload, ctx);
      }
    }
    const app = await run.app([Billing]);
    const failedAt = Date.now();
    await app.bus.publish('invoices.due', { id: 'a' });
    await waitFor(() => events.includes('a@1'));
    await app.bus.publish('invoices.due', { id: 'b' });
    await done.waitForCount(2, 10_000);
    expect(events).toEqual(['a@1', 'b@1', 'a@2']);
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(650);
  });

  it('keeps the retried copy readable, with its attempt, in the queue’s own stream', async () => {
    const done = new Recorder<unknown>();
    @Consumer({ group: 'copies' })
    class Copies {
      @Subscribe('invoices.copied')
      @Retry({ attempts: 2, backoff: { initialMs: 10, jitter: 0 } })
      handle(payload: unknown, ctx: MessageContext) {
        if (ctx.attempt === 1) throw new Error('transient');
        done.record(payload, ctx);
      }
    }
    const app = await run.app([Copies]);
    await app.bus.publish('invoices.copied', { id: 'c' }, { messageId: 'copy-1' });
    await done.waitForCount(1, 10_000);
    const [[, fields]] = (await run
      .raw()
      .xrange(run.namespace + 'queue:copies.handle', '-', '+')) as [string, string[]][];
    const copy = Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[v, fields[i + 1]]])));
    expect(copy).toMatchObject({ id: 'copy-1', topic: 'invoices.copied', attempt: '2' });
    expect(copy['h:swy-first-failure-at']).toEqual(expect.any(String));
  });

  it('moves each due message exactly once while several workers sweep at once', async () => {
    const group = 'sweepers';
    const seen = new Recorder<{ n: number }>();
    const makeWorker = (instance: string) => {
      @Consumer({ group, concurrency: 8 })
      class Worker {
        @Subscribe('reminders.sent')
        handle(payload: { n: number }, ctx: MessageContext) {
          seen.record(payload, ctx, instance);
        }
      }
      return Worker;
    };
    const sweeping = { schedulerIntervalMs: 20 };
    const workers = await Promise.all(
      ['a', 'b', 'c'].map((i) => run.app([makeWorker(i)], sweeping)),
    );
    const total = 60;
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        workers[n % 3]!.bus.publish('reminders.sent', { n }, { delayMs: 200 + (n % 5) * 10 }),
      ),
    );
    await seen.waitForCount(total, 10_000);
    expect(new Set(seen.payloads.map((p) => p.n)).size).toBe(total);
    expect(await run.raw().xlen(run.stream('reminders.sent'))).toBe(total);
    expect(await run.raw().zcard(run.namespace + 'delayed')).toBe(0);
  });

  it('moves a delayed message published by an app that has stopped since', async () => {
    const seen = new Recorder<{ n: number }>();
    @Consumer({ group: 'late' })
    class Late {
      @Subscribe('reminders.orphaned')
      handle(payload: { n: number }, ctx: MessageContext) {
        seen.record(payload, ctx);
      }
    }
    await run.app([Late], { schedulerIntervalMs: 50 });
    const publisher = await run.app([]);
    await publisher.bus.publish('reminders.orphaned', { n: 1 }, { delayMs: 300 });
    await publisher.stop();
    await seen.waitForCount(1, 10_000);
  });
});
