import { expect } from '@jest/globals';
import { Consumer, type MessageContext, Retry, Subscribe } from '@switchyard/core';
import type { ConformanceCase } from '../conformance-case';
import { Recorder } from '../recorder';

/** Behaviours a broker may lack: each case names the capability it needs. */
export const capabilityCases: ConformanceCase[] = [
  {
    name: 'handles messages of one key in publish order, one at a time, with concurrency > 1',
    requires: 'keyOrdering',
    async run(h) {
      const topic = h.name('accounts.updated');
      const seen = new Recorder<{ key: string; seq: number }>();
      const busy = new Set<string>();
      let overlaps = 0;
      @Consumer({ group: h.name('ledger'), concurrency: 4, ordered: true })
      class Ledger {
        @Subscribe(topic)
        async handle(payload: { key: string; seq: number }, ctx: MessageContext) {
          if (busy.has(payload.key)) overlaps++;
          busy.add(payload.key);
          await new Promise((resolve) => setTimeout(resolve, (payload.seq * 7) % 5));
          busy.delete(payload.key);
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Ledger]);
      const keys = ['alice', 'bob', 'carol'];
      const perKey = 15;
      for (let seq = 0; seq < perKey; seq++) {
        for (const key of keys) await app.bus.publish(topic, { key, seq }, { key });
      }
      await seen.waitForCount(keys.length * perKey, h.ms(20_000));
      expect(overlaps).toBe(0);
      for (const key of keys) {
        const seqs = seen.payloads.filter((p) => p.key === key).map((p) => p.seq);
        expect(seqs).toEqual([...Array(perKey).keys()]);
      }
    },
  },
  {
    name: 'keeps a retried message ahead of later messages with its key',
    requires: 'keyOrdering',
    async run(h) {
      const topic = h.name('accounts.updated');
      const seen = new Recorder<{ seq: number }>();
      @Consumer({ group: h.name('strict'), concurrency: 2, ordered: true })
      class Strict {
        @Subscribe(topic)
        @Retry({ attempts: 3, backoff: { initialMs: 50, jitter: 0 } })
        handle(payload: { seq: number }, ctx: MessageContext) {
          if (payload.seq === 1 && ctx.attempt === 1) throw new Error('transient');
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Strict]);
      for (let seq = 0; seq < 5; seq++) await app.bus.publish(topic, { seq }, { key: 'acct-1' });
      await seen.waitForCount(5, h.ms(20_000));
      expect(seen.payloads.map((p) => p.seq)).toEqual([0, 1, 2, 3, 4]);
    },
  },
  {
    name: 'delivers a delayed message no earlier than its delay',
    requires: 'delayedDelivery',
    async run(h) {
      const topic = h.name('reminders.due');
      const seen = new Recorder<{ sentAt: number }>();
      const handledAt: number[] = [];
      @Consumer({ group: h.name('reminders') })
      class Reminders {
        @Subscribe(topic)
        handle(payload: { sentAt: number }, ctx: MessageContext) {
          handledAt.push(Date.now());
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Reminders]);
      const sentAt = Date.now();
      await app.bus.publish(topic, { sentAt }, { delayMs: 1_000 });
      await seen.waitForCount(1, h.ms(15_000));
      expect(handledAt[0]! - sentAt).toBeGreaterThanOrEqual(950);
    },
  },
  {
    name: 'serves a backlog most urgent first',
    requires: 'priority',
    async run(h) {
      const topic = h.name('tickets.opened');
      const group = h.name('support');
      const seen = new Recorder<{ priority: number; n: number }>();
      @Consumer({ group, maxPriority: 9, concurrency: 1, prefetch: 1 })
      class Support {
        @Subscribe(topic)
        handle(payload: { priority: number; n: number }, ctx: MessageContext) {
          seen.record(payload, ctx);
        }
      }
      // Declare the queue, then stop consuming so a backlog builds up.
      const declaring = await h.start([Support]);
      await declaring.stop();
      const publisher = await h.start([]);
      for (let n = 0; n < 5; n++)
        await publisher.bus.publish(topic, { priority: 1, n }, { priority: 1 });
      for (let n = 0; n < 5; n++)
        await publisher.bus.publish(topic, { priority: 8, n }, { priority: 8 });
      await h.start([Support]);
      await seen.waitForCount(10, h.ms(15_000));
      expect(seen.payloads.map((p) => p.priority)).toEqual([8, 8, 8, 8, 8, 1, 1, 1, 1, 1]);
    },
  },
  {
    name: "makes an exactly-once handler's publishes visible only when it succeeds",
    requires: 'transactions',
    async run(h) {
      const input = h.name('payments.requested');
      const output = h.name('payments.captured');
      const captured = new Recorder<{ paymentId: string; attempt: number }>();
      @Consumer({ group: h.name('capture') })
      class Capture {
        @Subscribe(input, { guarantee: 'exactly-once' })
        @Retry({ attempts: 3, backoff: { initialMs: 50, jitter: 0 } })
        async handle(payload: { paymentId: string }, ctx: MessageContext) {
          await ctx.publish(output, { paymentId: payload.paymentId, attempt: ctx.attempt });
          if (ctx.attempt === 1) throw new Error('crash after publishing');
        }
      }
      @Consumer({ group: h.name('audit') })
      class Audit {
        @Subscribe(output)
        handle(payload: { paymentId: string; attempt: number }, ctx: MessageContext) {
          captured.record(payload, ctx);
        }
      }
      const app = await h.start([Capture, Audit]);
      await app.bus.publish(input, { paymentId: 'p-1' });
      await app.bus.publish(input, { paymentId: 'p-2' });
      await captured.waitForCount(2, h.ms(20_000));
      expect(captured.payloads.map((p) => `${p.paymentId}@${p.attempt}`).sort()).toEqual([
        'p-1@2',
        'p-2@2',
      ]);
    },
  },
  {
    name: 'publishes all messages of bus.transaction() or none of them',
    requires: 'transactions',
    async run(h) {
      const topic1 = h.name('topic1');
      const topic2 = h.name('topic2');
      const seen = new Recorder<{ batch: string }>();
      @Consumer({ group: h.name('watcher') })
      class Watcher {
        @Subscribe([topic1, topic2])
        handle(payload: { batch: string }, ctx: MessageContext) {
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Watcher]);
      await expect(
        app.bus.transaction(async (tx) => {
          await tx.publish(topic1, { batch: 'aborted' });
          await tx.publish(topic2, { batch: 'aborted' });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await app.bus.transaction(async (tx) => {
        await tx.publish(topic1, { batch: 'committed' });
        await tx.publish(topic2, { batch: 'committed' });
      });
      await seen.waitForCount(2, h.ms(20_000));
      expect(seen.handled.map((e) => `${e.ctx.topic}:${e.payload.batch}`).sort()).toEqual(
        [`${topic1}:committed`, `${topic2}:committed`].sort(),
      );
    },
  },
];
