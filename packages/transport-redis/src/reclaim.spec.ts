import { afterAll, describe, expect, it } from '@jest/globals';
import {
  Consumer,
  DeadLetterHeaders,
  type MessageContext,
  Retry,
  Subscribe,
} from '@switchyard/core';
import { Recorder, waitFor } from '@switchyard/testing';
import { REDELIVERY_LIMIT_REASON } from './settler';
import { RedisSpecRun } from './spec-support/redis-spec-kit';
import type { RedisTransport } from './transport';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

/** Quick reclaiming, so the tests do not wait out the 30 s default. */
const FAST_CLAIM = { claimIdleMs: 300, claimIntervalMs: 50 };

function recorderConsumer(topic: string, group: string, seen: Recorder<{ n: number }>) {
  @Consumer({ group })
  class Worker {
    @Subscribe(topic)
    @Retry({ attempts: 3 })
    handle(payload: { n: number }, ctx: MessageContext) {
      seen.record(payload, ctx);
    }
  }
  return Worker;
}

/** Makes a consumer named `ghost` read one entry and vanish without acknowledging it. */
async function leavePendingWithGhost(topic: string, queue: string, body: string): Promise<string> {
  const raw = run.raw();
  const stream = run.stream(topic);
  await raw.xgroup('CREATE', stream, queue, '$', 'MKSTREAM');
  const entryId = (await raw.xadd(stream, '*', 'body', body)) as string;
  await raw.xreadgroup('GROUP', queue, 'ghost', 'COUNT', 1, 'STREAMS', stream, '>');
  return entryId;
}

describe('Redis pending-entry reclaiming', () => {
  it('claims the entry of a dead consumer once idle past claimIdleMs, as the next attempt', async () => {
    const seen = new Recorder<{ n: number }>();
    const leftAt = Date.now();
    await leavePendingWithGhost('jobs.orphaned', 'rescuer.handle', '{"n":1}');
    await run.app([recorderConsumer('jobs.orphaned', 'rescuer', seen)], FAST_CLAIM);
    const [handled] = await seen.waitForCount(1, 10_000);
    expect(handled!.ctx.attempt).toBe(2);
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(FAST_CLAIM.claimIdleMs);
    await waitFor(
      async () =>
        (
          (await run.raw().xpending(run.stream('jobs.orphaned'), 'rescuer.handle')) as [number]
        )[0] === 0,
      { message: 'the claimed entry to be acknowledged' },
    );
  });

  it('dead-letters an entry delivered more often than the queue allows attempts, naming its handler, and acks it', async () => {
    const seen = new Recorder<{ n: number }>();
    const stream = run.stream('jobs.poison');
    const entryId = await leavePendingWithGhost('jobs.poison', 'poisoned.handle', '{"n":1}');
    // Three deliveries already crashed their consumer; the next claim makes four.
    await run.raw().xclaim(stream, 'poisoned.handle', 'ghost', 0, entryId, 'RETRYCOUNT', 3);
    const app = await run.app([recorderConsumer('jobs.poison', 'poisoned', seen)], FAST_CLAIM);
    const letters = await waitFor(async () => {
      const found = await (app.transport as RedisTransport).peekDeadLetters('poisoned.handle', 10);
      return found.length > 0 ? found : undefined;
    });
    expect(seen.handled).toHaveLength(0);
    expect(letters[0]!.topic).toBe('jobs.poison');
    expect(letters[0]!.headers).toMatchObject({
      [DeadLetterHeaders.reason]: REDELIVERY_LIMIT_REASON,
      [DeadLetterHeaders.attempts]: '3',
      [DeadLetterHeaders.queue]: 'poisoned.handle',
      [DeadLetterHeaders.originalTopic]: 'jobs.poison',
      [DeadLetterHeaders.handler]: 'Worker.handle',
    });
    await waitFor(
      async () => ((await run.raw().xpending(stream, 'poisoned.handle')) as [number])[0] === 0,
      {
        message: 'the poison entry to be acknowledged',
      },
    );
  });

  it('hands back fetched but unstarted messages on close, for another instance at once', async () => {
    const group = 'handover';
    const first = new Recorder<{ n: number }>();
    const second = new Recorder<{ n: number }>();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    @Consumer({ group, concurrency: 1, prefetch: 10 })
    class Slow {
      @Subscribe('jobs.handover')
      async handle(payload: { n: number }, ctx: MessageContext) {
        first.record(payload, ctx);
        await gate;
      }
    }
    const slow = await run.app([Slow]);
    for (let n = 1; n <= 5; n++) await slow.bus.publish('jobs.handover', { n });
    await first.waitForCount(1, 10_000);
    await waitFor(
      async () => (await (slow.transport as RedisTransport).queueSize(`${group}.handle`)) === 0,
      {
        message: 'all five fetched by the first instance',
      },
    );
    const stopping = slow.stop();
    // The default claimIdleMs (30 s) is far away: only a hand-back lets this instance in now.
    await run.app([recorderConsumer('jobs.handover', group, second)]);
    release();
    await stopping;
    await second.waitForCount(4, 10_000);
    expect(first.payloads.map((p) => p.n)).toEqual([1]);
    expect(second.payloads.map((p) => p.n).sort()).toEqual([2, 3, 4, 5]);
    expect(second.handled.every((h) => h.ctx.attempt === 1)).toBe(true);
  });

  it('keeps the entry of a slow but live handler from being claimed by another instance', async () => {
    const group = 'patient';
    const seen = new Recorder<{ n: number }>();
    let started = false;
    @Consumer({ group })
    class Patient {
      @Subscribe('jobs.slow')
      async handle(payload: { n: number }, ctx: MessageContext) {
        started = true;
        // Four claim thresholds long: only the heartbeat keeps the entry its own.
        await new Promise((resolve) => setTimeout(resolve, 4 * FAST_CLAIM.claimIdleMs));
        seen.record(payload, ctx, 'patient');
      }
    }
    const patient = await run.app([Patient], FAST_CLAIM);
    await patient.bus.publish('jobs.slow', { n: 1 });
    await waitFor(() => started);
    const eager = await run.app([recorderConsumer('jobs.slow', group, seen)], FAST_CLAIM);
    await seen.waitForCount(1, 10_000);
    await eager.stop();
    expect(seen.handled.map((h) => `${h.instance}@${h.ctx.attempt}`)).toEqual(['patient@1']);
  });
});
