import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { Recorder } from '@switchyard/testing';
import { IsString } from 'class-validator';
import { RedisSpecRun, redisCli } from './spec-support/redis-spec-kit';

class OrderPlaced {
  @IsString() orderId!: string;
}

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

/** The default layout: no stream prefix, so a topic's stream key is the topic itself. */
const DEFAULT_LAYOUT = { streamPrefix: '' };

describe('Redis transport interop with redis-cli', () => {
  it('delivers an entry added with `redis-cli XADD <topic> * body …` to the handler', async () => {
    const topic = `${run.id}.orders.placed`;
    const seen = new Recorder<OrderPlaced>();
    @Consumer({ group: 'importer' })
    class Importer {
      @Subscribe(topic, { schema: OrderPlaced })
      handle(order: OrderPlaced, ctx: MessageContext) {
        seen.record(order, ctx);
      }
    }
    await run.app([Importer], DEFAULT_LAYOUT);
    await redisCli('XADD', topic, '*', 'body', '{"orderId":"1"}');
    const [handled] = await seen.waitForCount(1, 10_000);
    expect(handled!.payload).toBeInstanceOf(OrderPlaced);
    expect(handled!.payload.orderId).toBe('1');
    expect(handled!.ctx.message.id).toMatch(new RegExp(`^${topic}@\\d+-\\d+$`));
    expect(handled!.ctx.attempt).toBe(1);
  });

  it('delivers a body-less entry as a JSON object of its fields', async () => {
    const topic = `${run.id}.orders.legacy`;
    const seen = new Recorder<Record<string, string>>();
    @Consumer({ group: 'legacy' })
    class Legacy {
      @Subscribe(topic)
      handle(payload: Record<string, string>, ctx: MessageContext) {
        seen.record(payload, ctx);
      }
    }
    await run.app([Legacy], DEFAULT_LAYOUT);
    await redisCli('XADD', topic, '*', 'orderId', '7', 'total', '10');
    const [handled] = await seen.waitForCount(1, 10_000);
    expect(handled!.payload).toEqual({ orderId: '7', total: '10' });
  });

  it('writes entries that `redis-cli XRANGE` shows as readable fields', async () => {
    const topic = `${run.id}.invoices.issued`;
    const app = await run.app([], DEFAULT_LAYOUT);
    await app.bus.publish(
      topic,
      { invoiceId: 'inv-1' },
      { key: 'customer-7', messageId: 'msg-1', headers: { 'x-tenant': 'acme' } },
    );
    const lines = (await redisCli('XRANGE', topic, '-', '+')).trim().split('\n');
    const fields = new Map<string, string>();
    for (let i = 1; i + 1 < lines.length; i += 2) fields.set(lines[i]!, lines[i + 1]!);
    expect(lines[0]).toMatch(/^\d+-\d+$/);
    expect(Object.fromEntries(fields)).toMatchObject({
      id: 'msg-1',
      key: 'customer-7',
      'h:content-type': 'application/json',
      'h:correlation-id': 'msg-1',
      'h:x-tenant': 'acme',
      body: '{"invoiceId":"inv-1"}',
    });
    expect(Number(fields.get('ts'))).toBeGreaterThan(0);
    expect(fields.get('h:traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
