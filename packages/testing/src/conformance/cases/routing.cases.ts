import { expect } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import type { ConformanceCase } from '../conformance-case';
import { Recorder } from '../recorder';

/** Point-to-point, fan-out, wildcard routing and competing consumers. */
export const routingCases: ConformanceCase[] = [
  {
    name: 'delivers each sent command once to its one consumer',
    async run(h) {
      const topic = h.name('commands.charge');
      const seen = new Recorder<{ n: number }>();
      @Consumer({ group: h.name('payments') })
      class Payments {
        @Subscribe(topic)
        charge(payload: { n: number }, ctx: MessageContext) {
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Payments]);
      for (let n = 0; n < 10; n++) await app.bus.send(topic, { n });
      await seen.waitForCount(10, h.ms(10_000));
      expect(seen.payloads.map((p) => p.n).sort((a, b) => a - b)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
    },
  },
  {
    name: 'fans an event out to every subscribed group, once each',
    async run(h) {
      const topic = h.name('orders.created');
      const billing = new Recorder<{ n: number }>();
      const shipping = new Recorder<{ n: number }>();
      @Consumer({ group: h.name('billing') })
      class Billing {
        @Subscribe(topic)
        on(payload: { n: number }, ctx: MessageContext) {
          billing.record(payload, ctx);
        }
      }
      @Consumer({ group: h.name('shipping') })
      class Shipping {
        @Subscribe(topic)
        on(payload: { n: number }, ctx: MessageContext) {
          shipping.record(payload, ctx);
        }
      }
      const app = await h.start([Billing, Shipping]);
      for (let n = 0; n < 5; n++) await app.bus.publish(topic, { n });
      await billing.waitForCount(5, h.ms(10_000), 'billing copies');
      await shipping.waitForCount(5, h.ms(10_000), 'shipping copies');
      expect(billing.payloads.map((p) => p.n).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(shipping.payloads.map((p) => p.n).sort()).toEqual([0, 1, 2, 3, 4]);
    },
  },
  {
    name: 'routes by wildcard: "*" matches one word and "#" zero or more',
    async run(h) {
      const root = h.name('shop');
      const topics = {
        ordersCreated: `${root}.orders.created`,
        ordersShipped: `${root}.orders.shipped`,
        ordersEuCreated: `${root}.orders.eu.created`,
        paymentsCreated: `${root}.payments.created`,
      };
      const star = new Recorder<{ topic: string }>();
      const hash = new Recorder<{ topic: string }>();
      const all = new Recorder<{ topic: string }>();
      @Consumer({ group: h.name('router') })
      class Router {
        @Subscribe(`${root}.orders.*`)
        ordersStar(payload: { topic: string }, ctx: MessageContext) {
          star.record(payload, ctx);
        }

        @Subscribe(`${root}.#.created`)
        anyCreated(payload: { topic: string }, ctx: MessageContext) {
          hash.record(payload, ctx);
        }

        @Subscribe(`${root}.#`)
        everything(payload: { topic: string }, ctx: MessageContext) {
          all.record(payload, ctx);
        }
      }
      const app = await h.start([Router]);
      for (const topic of Object.values(topics)) await app.bus.publish(topic, { topic });
      await all.waitForCount(4, h.ms(10_000), 'messages on the catch-all');
      await star.waitForCount(2, h.ms(10_000), 'orders.* matches');
      await hash.waitForCount(3, h.ms(10_000), '#.created matches');
      expect(star.payloads.map((p) => p.topic).sort()).toEqual(
        [topics.ordersCreated, topics.ordersShipped].sort(),
      );
      expect(hash.payloads.map((p) => p.topic).sort()).toEqual(
        [topics.ordersCreated, topics.ordersEuCreated, topics.paymentsCreated].sort(),
      );
      for (const entry of all.handled) expect(entry.ctx.topic).toBe(entry.payload.topic);
    },
  },
  {
    name: 'shares a queue between competing instances: each message is handled by exactly one',
    async run(h) {
      const topic = h.name('jobs.run');
      const group = h.name('workers');
      const seen = new Recorder<{ n: number }>();
      const makeWorker = (instance: string) => {
        @Consumer({ group })
        class Worker {
          @Subscribe(topic)
          async run(payload: { n: number }, ctx: MessageContext) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            seen.record(payload, ctx, instance);
          }
        }
        return Worker;
      };
      const first = await h.start([makeWorker('first')]);
      await h.start([makeWorker('second')]);
      const total = 40;
      for (let n = 0; n < total; n++) await first.bus.publish(topic, { n });
      await seen.waitForCount(total, h.ms(20_000));
      const ns = seen.payloads.map((p) => p.n);
      expect(new Set(ns).size).toBe(total);
      expect(ns).toHaveLength(total);
      const instances = new Set(seen.handled.map((entry) => entry.instance));
      expect([...instances].sort()).toEqual(['first', 'second']);
    },
  },
];
