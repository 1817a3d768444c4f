import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, RpcHandler } from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import { InvalidReplyAddressError } from './errors';
import { RedisSpecRun } from './spec-support/redis-spec-kit';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

describe('Redis RPC', () => {
  it('answers through a per-instance reply stream that is deleted when the requester closes', async () => {
    @Consumer({ group: 'quotes' })
    class Quotes {
      @RpcHandler('billing.quote')
      quote(request: { items: number }) {
        return { total: request.items * 10 };
      }
    }
    await run.app([Quotes]);
    const client = await run.app([]);
    const reply = await client.bus.request<{ total: number }>('billing.quote', { items: 3 });
    expect(reply.total).toBe(30);
    const inboxes = () => run.raw().keys(`${run.namespace}reply:*`);
    const [inbox] = await inboxes();
    expect(inbox).toBeDefined();
    expect(await run.raw().pttl(inbox!)).toBeGreaterThan(0);
    await client.stop();
    await waitFor(async () => (await inboxes()).length === 0, {
      message: 'the reply stream to go',
    });
  });

  it('refuses to write a reply anywhere but a reply stream of its namespace', async () => {
    const transport = run.transport();
    await transport.connect();
    const message = {
      id: 'r-1',
      topic: 'billing.quote',
      key: undefined,
      headers: {},
      body: Buffer.from('{}'),
      timestamp: Date.now(),
      priority: undefined,
      delayMs: undefined,
    };
    await expect(transport.reply(run.stream('orders.created'), message)).rejects.toBeInstanceOf(
      InvalidReplyAddressError,
    );
  });
});
