import { expect } from '@jest/globals';
import {
  Consumer,
  Idempotent,
  MemoryIdempotencyStore,
  type MessageContext,
  Subscribe,
} from '@switchyard/core';
import { waitFor } from '../../wait-for';
import type { ConformanceCase } from '../conformance-case';
import { Recorder } from '../recorder';

/** Graceful stop, duplicates and connection loss. */
export const lifecycleCases: ConformanceCase[] = [
  {
    name: 'loses nothing and handles nothing twice across a graceful stop and a restart',
    timeoutMs: 60_000,
    async run(h) {
      const topic = h.name('orders.placed');
      const group = h.name('steady');
      const seen = new Recorder<{ n: number }>();
      const makeWorker = (instance: string) => {
        @Consumer({ group, concurrency: 2 })
        class Worker {
          @Subscribe(topic)
          async handle(payload: { n: number }, ctx: MessageContext) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            seen.record(payload, ctx, instance);
          }
        }
        return Worker;
      };
      const first = await h.start([makeWorker('first')]);
      const publisher = await h.start([]);
      const total = 60;
      for (let n = 0; n < total; n++) await publisher.bus.publish(topic, { n });
      await seen.waitForCount(10, h.ms(10_000), 'messages before the stop');
      await first.stop();
      await h.start([makeWorker('second')]);
      await seen.waitForCount(total, h.ms(30_000));
      const counts = new Map<number, number>();
      for (const { n } of seen.payloads) counts.set(n, (counts.get(n) ?? 0) + 1);
      expect(counts.size).toBe(total);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
    },
  },
  {
    name: 'runs an @Idempotent handler once for messages that repeat a key',
    async run(h) {
      const topic = h.name('payments.captured');
      const seen = new Recorder<{ paymentId: string }>();
      @Consumer({ group: h.name('ledger') })
      class Ledger {
        @Subscribe(topic)
        @Idempotent({ key: (m) => m.message.id, ttlMs: 60_000 })
        handle(payload: { paymentId: string }, ctx: MessageContext) {
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Ledger], { idempotencyStore: new MemoryIdempotencyStore() });
      for (let i = 0; i < 3; i++)
        await app.bus.publish(topic, { paymentId: 'p-1' }, { messageId: 'pay-1' });
      await app.bus.publish(topic, { paymentId: 'p-2' }, { messageId: 'pay-2' });
      await seen.waitForCount(2, h.ms(10_000));
      const duplicates = async () => {
        const metric = await app.metrics.processed.get();
        return metric.values.find((v) => v.labels.status === 'duplicate')?.value ?? 0;
      };
      await waitFor(async () => (await duplicates()) === 2, {
        timeoutMs: h.ms(10_000),
        message: 'two duplicates counted',
      });
      expect(seen.payloads.map((p) => p.paymentId).sort()).toEqual(['p-1', 'p-2']);
    },
  },
  {
    name: 'reconnects after the broker drops its connections and resumes consuming and publishing',
    requires: 'dropConnections',
    timeoutMs: 90_000,
    async run(h) {
      const topic = h.name('orders.placed');
      const seen = new Recorder<{ n: number }>();
      @Consumer({ group: h.name('resilient') })
      class Resilient {
        @Subscribe(topic)
        handle(payload: { n: number }, ctx: MessageContext) {
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Resilient]);
      for (let n = 0; n < 5; n++) await app.bus.publish(topic, { n });
      await seen.waitForCount(5, h.ms(10_000), 'messages before the drop');
      await h.options.dropConnections!();
      for (let n = 5; n < 10; n++) await app.bus.publish(topic, { n });
      await seen.waitForCount(10, h.ms(60_000), 'messages after the drop');
      expect(new Set(seen.payloads.map((p) => p.n)).size).toBe(10);
    },
  },
];
