import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { Recorder } from '@switchyard/testing';
import { PrivateRedis } from './spec-support/private-redis';
import { RedisSpecRun } from './spec-support/redis-spec-kit';
import type { RedisTransport } from './transport';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

function recorderConsumer(topic: string, group: string, seen: Recorder<{ n: number }>) {
  @Consumer({ group, concurrency: 4 })
  class Worker {
    @Subscribe(topic)
    handle(payload: { n: number }, ctx: MessageContext) {
      seen.record(payload, ctx);
    }
  }
  return Worker;
}

/** An entry read by a consumer named `ghost` and never acknowledged. */
async function leavePendingWithGhost(stream: string, queue: string): Promise<string> {
  const raw = run.raw();
  await raw.xgroup('CREATE', stream, queue, '$', 'MKSTREAM');
  const entryId = (await raw.xadd(stream, '*', 'body', '{"n":1}')) as string;
  await raw.xreadgroup('GROUP', queue, 'ghost', 'COUNT', 1, 'STREAMS', stream, '>');
  return entryId;
}

describe('Redis connection loss', () => {
  it('resumes consuming and publishing after every connection is killed, losing nothing', async () => {
    const seen = new Recorder<{ n: number }>();
    const app = await run.app([recorderConsumer('orders.flowing', 'flow', seen)]);
    const total = 60;
    for (let n = 0; n < total; n++) {
      if (n % 20 === 10) expect(await run.dropConnections()).toBeGreaterThan(0);
      await app.bus.publish('orders.flowing', { n });
    }
    await seen.waitForCount(total, 20_000);
    expect(new Set(seen.payloads.map((p) => p.n)).size).toBe(total);
  });

  it('recovers at once an entry Redis delivered into a read reply that the drop lost', async () => {
    const seen = new Recorder<{ n: number }>();
    const stream = run.stream('orders.lost');
    const entryId = await leavePendingWithGhost(stream, 'lost.handle');
    const connectionName = `${run.id}:lost`;
    const app = await run.app([recorderConsumer('orders.lost', 'lost', seen)], { connectionName });
    const consumer = (app.transport as RedisTransport).options.consumerName;
    // Past its start-up recovery: only the reconnect can find what follows.
    await run.waitUntilReading(connectionName);
    // What a lost reply leaves behind: an entry pending for this very consumer, unknown to it.
    await run.raw().xclaim(stream, 'lost.handle', consumer, 0, entryId);
    await run.dropConnections();
    // Well before the 30 s claimIdleMs: recovered by the reconnect, not by reclaiming.
    const [handled] = await seen.waitForCount(1, 10_000);
    expect(handled!.ctx.attempt).toBe(3);
  });

  it('recovers its own pending entries at start when it reuses a consumer name', async () => {
    const seen = new Recorder<{ n: number }>();
    const stream = run.stream('orders.resumed');
    const consumerName = `${run.id}-stable`;
    const entryId = await leavePendingWithGhost(stream, 'resumed.handle');
    await run.raw().xclaim(stream, 'resumed.handle', consumerName, 0, entryId);
    await run.app([recorderConsumer('orders.resumed', 'resumed', seen)], { consumerName });
    const [handled] = await seen.waitForCount(1, 10_000);
    expect(handled!.ctx.attempt).toBe(3);
  });

  it('reconnects to a restarted Redis and consumes messages published after the restart', async () => {
    const server = new PrivateRedis();
    await server.start();
    try {
      const seen = new Recorder<{ n: number }>();
      const app = await run.app([recorderConsumer('orders.restarted', 'restarted', seen)], {
        url: server.url,
        discoveryIntervalMs: 200,
      });
      await app.bus.publish('orders.restarted', { n: 1 });
      await seen.waitForCount(1, 10_000);
      await server.restart();
      await app.bus.publish('orders.restarted', { n: 2 });
      await seen.waitForCount(2, 30_000);
      expect(seen.payloads.map((p) => p.n)).toEqual([1, 2]);
      await app.stop();
    } finally {
      await server.dispose();
    }
  }, 60_000);
});
