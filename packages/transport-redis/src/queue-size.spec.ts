import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { Recorder, waitFor } from '@switchyard/testing';
import { RedisSpecRun } from './spec-support/redis-spec-kit';
import type { RedisTransport } from './transport';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

function redis(app: { transport: unknown }): RedisTransport {
  return app.transport as RedisTransport;
}

describe('Redis queue size', () => {
  it('counts what waits for the group across its streams, from any instance', async () => {
    @Consumer({ group: 'stock' })
    class Stock {
      @Subscribe(['stock.reserved', 'stock.released.*'])
      handle() {}
    }
    const declaring = await run.app([Stock]);
    await declaring.stop();
    const probe = await run.app([]);
    for (let n = 0; n < 3; n++) await probe.bus.publish('stock.reserved', { n });
    for (let n = 0; n < 2; n++) await probe.bus.publish('stock.released.eu', { n });
    expect(await redis(probe).queueSize('stock.handle')).toBe(5);
    await run.app([Stock]);
    await waitFor(async () => (await redis(probe).queueSize('stock.handle')) === 0, {
      message: 'the backlog to be consumed',
    });
  });

  it('leaves out messages delivered but not yet acknowledged', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen = new Recorder<unknown>();
    @Consumer({ group: 'slow', concurrency: 1, prefetch: 1 })
    class Slow {
      @Subscribe('stock.counted')
      async handle(payload: unknown, ctx: MessageContext) {
        seen.record(payload, ctx);
        await gate;
      }
    }
    const app = await run.app([Slow]);
    for (let n = 0; n < 4; n++) await app.bus.publish('stock.counted', { n });
    await seen.waitForCount(1, 10_000);
    expect(await redis(app).queueSize('slow.handle')).toBe(3);
    release();
    await seen.waitForCount(4, 10_000);
  });

  it('knows nothing of a queue that was never bound', async () => {
    const app = await run.app([]);
    expect(await redis(app).queueSize('nobody.handle')).toBeUndefined();
  });
});
