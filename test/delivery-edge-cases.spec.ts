import {
  Consumer,
  DeadLetterHeaders,
  Idempotent,
  MemoryIdempotencyStore,
  type MessageContext,
  Retry,
  Subscribe,
  Switchyard,
  SchemaVersion,
  Upcast,
  silentLogger,
} from '@switchyard/core';
import { MemoryBroker, MemoryTransport, Recorder, waitFor } from '@switchyard/testing';
import { IsIn, IsNumber, IsString } from 'class-validator';

@Upcast(1, 2, (v1) => ({ ...v1, currency: 'USD', version: 2 }))
class OrderPlacedV2 {
  @IsString() orderId!: string;
  @IsNumber() amount!: number;
  @IsIn(['USD', 'EUR']) currency!: string;
}

describe('delivery edge cases on the embedded broker', () => {
  const apps: Switchyard[] = [];
  let broker: MemoryBroker;
  const app = async (
    consumers: Parameters<typeof Switchyard.create>[0]['consumers'],
    extra = {},
  ) => {
    const created = await Switchyard.create({
      transport: new MemoryTransport(broker),
      consumers,
      logger: silentLogger,
      ...extra,
    });
    apps.push(created);
    await created.start();
    return created;
  };
  beforeEach(() => {
    broker = new MemoryBroker();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()));
  });

  it('upcasts a V1 payload to V2 before validating it', async () => {
    const seen = new Recorder<OrderPlacedV2>();
    @Consumer({ group: 'billing' })
    class Billing {
      @Subscribe('orders.placed', { schema: OrderPlacedV2 })
      handle(order: OrderPlacedV2, ctx: MessageContext) {
        seen.record(order, ctx);
      }
    }
    const bus = (await app([Billing])).bus;
    await bus.publish('orders.placed', { version: 1, orderId: 'old', amount: 5 });
    await bus.publish(
      'orders.placed',
      { orderId: 'new', amount: 7, currency: 'EUR' },
      { headers: { 'schema-version': '2' } },
    );
    await seen.waitForCount(2, 5_000);
    const byId = Object.fromEntries(seen.payloads.map((order) => [order.orderId, order]));
    expect(byId.old).toBeInstanceOf(OrderPlacedV2);
    expect(byId.old).toMatchObject({ orderId: 'old', amount: 5, currency: 'USD' });
    expect(byId.new).toMatchObject({ currency: 'EUR' });
  });

  it('dead-letters a payload no upcaster chain can lift, and one newer than the handler knows', async () => {
    @SchemaVersion(3)
    @Upcast(2, 3, (v2) => ({ ...v2, channel: 'web' }))
    class OrderPlacedV3 {
      @IsString() orderId!: string;
    }
    @Consumer({ group: 'billing' })
    class Billing {
      @Subscribe('orders.placed', { schema: OrderPlacedV3 })
      handle() {}
    }
    const billing = await app([Billing]);
    await billing.bus.publish(
      'orders.placed',
      { orderId: 'v1' },
      { headers: { 'schema-version': '1' } },
    );
    await billing.bus.publish(
      'orders.placed',
      { orderId: 'v4' },
      { headers: { 'schema-version': '4' } },
    );
    const transport = billing.transport as MemoryTransport;
    const letters = await waitFor(async () => {
      const all = await transport.peekDeadLetters('billing.handle', 10);
      return all.length >= 2 ? all : undefined;
    });
    expect(letters.map((letter) => letter.headers[DeadLetterHeaders.reason])).toEqual([
      'SWY_UPCAST_FAILED',
      'SWY_UPCAST_FAILED',
    ]);
    expect(letters.map((letter) => letter.headers[DeadLetterHeaders.error])).toEqual([
      'OrderPlacedV3 has no upcaster from version 1 (current version 3)',
      'Payload is OrderPlacedV3 version 4, newer than the version 3 this handler understands',
    ]);
  });

  it('redelivers to another instance what a killed worker had in flight, counting the attempt', async () => {
    const seen = new Recorder<{ n: number }>();
    let hang = true;
    const make = (instance: string) => {
      @Consumer({ group: 'workers', concurrency: 5 })
      class Worker {
        @Subscribe('jobs.run')
        async run(job: { n: number }, ctx: MessageContext) {
          if (hang && instance === 'doomed') await new Promise(() => undefined);
          seen.record(job, ctx, instance);
        }
      }
      return Worker;
    };
    const doomed = await app([make('doomed')]);
    for (let n = 0; n < 5; n++) await doomed.bus.publish('jobs.run', { n });
    await waitFor(() => broker.queue('workers.run')!.size === 0, { message: 'all five in flight' });
    (doomed.transport as MemoryTransport).disconnect();
    hang = false;
    await app([make('survivor')]);
    const handled = await seen.waitForCount(5, 5_000);
    expect(handled.map((entry) => entry.payload.n).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(handled.every((entry) => entry.instance === 'survivor' && entry.ctx.attempt === 2)).toBe(
      true,
    );
  });

  it('retries, rather than drops, a duplicate that arrives while the first copy is still being handled', async () => {
    const seen = new Recorder<{ n: number }>();
    let release = false;
    @Consumer({ group: 'ledger', concurrency: 2 })
    class Ledger {
      @Subscribe('payments.captured')
      @Retry({ attempts: 10, backoff: { initialMs: 20, factor: 1, jitter: 0 } })
      @Idempotent({ key: (m) => m.message.id, ttlMs: 60_000 })
      async capture(payment: { n: number }, ctx: MessageContext) {
        await waitFor(() => release);
        if (ctx.attempt === 1 && payment.n === 1)
          throw new Error('first copy fails after the duplicate arrived');
        seen.record(payment, ctx);
      }
    }
    const ledger = await app([Ledger], { idempotencyStore: new MemoryIdempotencyStore() });
    await ledger.bus.publish('payments.captured', { n: 1 }, { messageId: 'pay-1' });
    await ledger.bus.publish('payments.captured', { n: 1 }, { messageId: 'pay-1' });
    const retried = async () => (await ledger.metrics.retried.get()).values[0]?.value ?? 0;
    await waitFor(async () => (await retried()) >= 1, {
      message: 'the in-progress duplicate to be retried',
    });
    release = true;
    await seen.waitForCount(1, 5_000);
    expect(seen.handled).toHaveLength(1);
  });
});
