import { afterAll, describe, expect, it } from '@jest/globals';
import {
  Consumer,
  type MessageContext,
  Subscribe,
  Switchyard,
  silentLogger,
} from '@switchyard/core';
import { Recorder } from '@switchyard/testing';
import { RedisSpecRun } from './spec-support/redis-spec-kit';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

describe('wildcard subscriptions on Redis', () => {
  it('bind topics first published after the worker started', async () => {
    const seen = new Recorder<{ n: number }>();
    @Consumer({ group: 'audit' })
    class Audit {
      @Subscribe('shop.orders.*')
      on(payload: { n: number }, ctx: MessageContext) {
        seen.record(payload, ctx);
      }
    }
    const app = await Switchyard.create({
      transport: run.transport({ discoveryIntervalMs: 60_000 }),
      consumers: [Audit],
      logger: silentLogger,
    });
    await app.start();
    await app.bus.publish('shop.orders.created', { n: 1 });
    await app.bus.publish('shop.orders.shipped', { n: 2 });
    await seen.waitForCount(2, 5_000);
    expect(seen.handled.map((h) => h.ctx.topic).sort()).toEqual([
      'shop.orders.created',
      'shop.orders.shipped',
    ]);
    await app.stop();
  });
});
