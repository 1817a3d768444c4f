import { type MessageBus, NoRouteError, RpcTimeoutError, errorMessage } from '@switchyard/core';
import type { Quote } from './messages';

/** What the scenarios published, so the demo knows when everything has been handled. */
export class Expectations {
  /** Handler name → how many actions the activity logs must show in total. */
  readonly actions = new Map<string, number>();
  /** Dead letters the scenarios provoke. */
  deadLetters = 0;
  /** RPC round trips in milliseconds. */
  readonly rpcLatenciesMs: number[] = [];

  /** `handlers` will each act `count` more times. */
  expect(count: number, ...handlers: string[]): void {
    for (const handler of handlers)
      this.actions.set(handler, (this.actions.get(handler) ?? 0) + count);
  }
}

/** One scenario of the messaging tutorial. */
export interface Scenario {
  readonly title: string;
  /** Runs only on transports with broker transactions. */
  readonly needsTransactions?: boolean;
  run(bus: MessageBus, expectations: Expectations): Promise<void>;
}

/** A current (version 2) order event, as an up-to-date producer publishes it. */
function order(orderId: string, customerId: string, total: number) {
  return { version: 2, orderId, customerId, total, currency: 'EUR' };
}

const ORDER_HANDLERS = ['billing', 'shipping', 'fraud', 'audit', 'created', 'analytics'];

/** Every scenario, in the order the demo runs them. */
export const SCENARIOS: readonly Scenario[] = [
  {
    title: 'fan-out, topic routing and per-key ordering: 3 orders of 2 customers, 1 customer event',
    async run(bus, x) {
      await bus.publish('orders.created', order('o-1001', 'c-1', 120), { key: 'c-1' });
      await bus.publish('orders.created', order('o-1002', 'c-2', 80), { key: 'c-2' });
      await bus.publish('orders.created', order('o-1003', 'c-1', 45.5), { key: 'c-1' });
      await bus.publish('customers.created', { customerId: 'c-3' });
      x.expect(3, ...ORDER_HANDLERS);
      x.expect(1, 'created');
    },
  },
  {
    title: 'idempotency: order o-1001 delivered again — billing must not invoice it twice',
    async run(bus, x) {
      await bus.publish('orders.created', order('o-1001', 'c-1', 120), { key: 'c-1' });
      x.expect(1, ...ORDER_HANDLERS.filter((handler) => handler !== 'billing'));
    },
  },
  {
    title: 'schema evolution: a V1 producer sends an order without currency; it is upcast to V2',
    async run(bus, x) {
      await bus.publish(
        'orders.created',
        { version: 1, orderId: 'o-1004', customerId: 'c-4', total: 10 },
        { key: 'c-4' },
      );
      x.expect(1, ...ORDER_HANDLERS);
    },
  },
  {
    title:
      'poison message: the fraud check fails for ever on o-1005 — bounded retries, then the DLQ',
    async run(bus, x) {
      await bus.publish('orders.created', order('o-1005', 'c-5', 50_000), { key: 'c-5' });
      x.expect(1, ...ORDER_HANDLERS.filter((handler) => handler !== 'fraud'));
      x.expect(3, 'fraud');
      x.deadLetters += 1;
    },
  },
  {
    title:
      'bad input: o-1006 has a total of "lots" — dead-lettered at once by every validating handler',
    async run(bus, x) {
      await bus.publish('orders.created', {
        version: 2,
        orderId: 'o-1006',
        customerId: 'c-6',
        total: 'lots',
        currency: 'EUR',
      });
      x.expect(1, 'audit', 'created', 'analytics');
      x.deadLetters += 3;
    },
  },
  {
    title: 'request-reply: 5 quotes from billing, then a request to a topic nobody serves',
    async run(bus, x) {
      for (let items = 1; items <= 5; items++) {
        const startedAt = performance.now();
        const quote = await bus.request<Quote>(
          'billing.quote',
          { items, unitPrice: 9.99 },
          { timeoutMs: 5_000 },
        );
        x.rpcLatenciesMs.push(performance.now() - startedAt);
        process.stdout.write(
          `  [client] quote     ${items} × 9.99 = ${quote.total} (tax ${quote.tax})\n`,
        );
      }
      try {
        await bus.request('inventory.lookup', { sku: 'X' }, { timeoutMs: 500 });
      } catch (error) {
        if (!(error instanceof NoRouteError || error instanceof RpcTimeoutError)) throw error;
        process.stdout.write(
          `  [client] request   inventory.lookup failed as it should: ${error.code} (${errorMessage(error)})\n`,
        );
      }
    },
  },
  {
    title: 'competing consumers: 6 warehouse commands shared by worker instances A and B',
    async run(bus, x) {
      for (let n = 1; n <= 6; n++)
        await bus.send('warehouse.reserve', { orderId: `o-20${n}`, quantity: n });
      x.expect(6, 'warehouse');
    },
  },
  {
    title:
      'priority: tickets published low, low, urgent — the urgent one overtakes the waiting one',
    async run(bus, x) {
      await bus.publish('tickets.opened', { ticketId: 't-1', priority: 1 }, { priority: 1 });
      await bus.publish('tickets.opened', { ticketId: 't-2', priority: 1 }, { priority: 1 });
      await bus.publish('tickets.opened', { ticketId: 't-3', priority: 9 }, { priority: 9 });
      x.expect(3, 'support');
    },
  },
  {
    title: 'exactly-once: a payment request consumed and its capture published in one transaction',
    needsTransactions: true,
    async run(bus, x) {
      await bus.publish('payments.requested', { orderId: 'o-1001', amount: 120 });
      x.expect(1, 'payments');
    },
  },
];
