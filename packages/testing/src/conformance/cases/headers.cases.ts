import { expect } from '@jest/globals';
import { Consumer, Headers, type MessageContext, Subscribe } from '@switchyard/core';
import { IsString } from 'class-validator';
import type { ConformanceCase } from '../conformance-case';
import { Recorder } from '../recorder';

class ForeignOrder {
  @IsString() orderId!: string;
}

/** Headers, ids and keys travel; plain JSON from other producers is accepted. */
export const headerCases: ConformanceCase[] = [
  {
    name: 'carries message id, key, correlation id, trace context and custom headers to the handler',
    async run(h) {
      const topic = h.name('orders.created');
      const seen = new Recorder<unknown>();
      @Consumer({ group: h.name('inspector') })
      class Inspector {
        @Subscribe(topic)
        handle(payload: unknown, ctx: MessageContext) {
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Inspector]);
      const before = Date.now();
      await app.bus.publish(
        topic,
        { orderId: 'o-1' },
        {
          key: 'customer-7',
          messageId: 'msg-00000000-1',
          correlationId: 'corr-42',
          headers: { 'x-tenant': 'acme', 'x-unicode': 'naïve ✓' },
        },
      );
      const [handled] = await seen.waitForCount(1, h.ms(10_000));
      const { message } = handled!.ctx;
      expect(message.id).toBe('msg-00000000-1');
      expect(message.key).toBe('customer-7');
      expect(message.topic).toBe(topic);
      expect(message.attempt).toBe(1);
      expect(message.headers).toMatchObject({
        [Headers.correlationId]: 'corr-42',
        [Headers.contentType]: 'application/json',
        'x-tenant': 'acme',
        'x-unicode': 'naïve ✓',
      });
      expect(message.headers[Headers.traceparent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(message.timestamp).toBeGreaterThanOrEqual(before - 1_000);
      expect(message.timestamp).toBeLessThanOrEqual(Date.now() + 1_000);
      expect(handled!.payload).toEqual({ orderId: 'o-1' });
    },
  },
  {
    name: 'links a follow-up published from a handler to its cause: same correlation and trace, causation id',
    async run(h) {
      const placed = h.name('orders.placed');
      const invoiced = h.name('invoices.issued');
      const seen = new Recorder<unknown>();
      @Consumer({ group: h.name('chain') })
      class Chain {
        @Subscribe(placed)
        async onPlaced(payload: { orderId: string }, ctx: MessageContext) {
          await ctx.publish(invoiced, { orderId: payload.orderId });
        }

        @Subscribe(invoiced)
        onInvoiced(payload: unknown, ctx: MessageContext) {
          seen.record(payload, ctx);
        }
      }
      const app = await h.start([Chain]);
      await app.bus.publish(
        placed,
        { orderId: 'o-9' },
        { messageId: 'cause-1', correlationId: 'corr-9' },
      );
      const [handled] = await seen.waitForCount(1, h.ms(10_000));
      const headers = handled!.ctx.headers;
      expect(headers[Headers.correlationId]).toBe('corr-9');
      expect(headers[Headers.causationId]).toBe('cause-1');
      expect(headers[Headers.traceparent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    },
  },
  {
    name: 'accepts a plain JSON message published by a producer that knows nothing of Switchyard',
    async run(h) {
      const topic = h.name('orders.imported');
      const seen = new Recorder<ForeignOrder>();
      @Consumer({ group: h.name('importer') })
      class Importer {
        @Subscribe(topic, { schema: ForeignOrder })
        handle(order: ForeignOrder, ctx: MessageContext) {
          seen.record(order, ctx);
        }
      }
      await h.start([Importer]);
      await h.options.publishForeign(topic, '{"orderId":"legacy-1"}');
      const [handled] = await seen.waitForCount(1, h.ms(10_000));
      expect(handled!.payload).toBeInstanceOf(ForeignOrder);
      expect(handled!.payload.orderId).toBe('legacy-1');
      expect(handled!.ctx.message.id).toEqual(expect.any(String));
      expect(handled!.ctx.message.id.length).toBeGreaterThan(0);
      expect(handled!.ctx.attempt).toBe(1);
    },
  },
];
