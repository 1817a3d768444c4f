import {
  Consumer,
  Idempotent,
  MessageBus,
  type MessageContext,
  Retry,
  RpcHandler,
  Subscribe,
} from '@switchyard/core';
import { ActivityLog } from '../activity-log';
import { OrderCreated, type Quote, QuoteRequest } from '../messages';

/**
 * Fan-out and idempotency: billing gets its own copy of every created order, invoices it once even
 * when the order is delivered twice, and answers price quotes over request-reply.
 */
@Consumer({ group: 'billing', concurrency: 8 })
export class BillingConsumer {
  constructor(
    private readonly log: ActivityLog,
    private readonly bus: MessageBus,
  ) {}

  @Subscribe('orders.created', { schema: OrderCreated })
  @Retry({ attempts: 5, backoff: { initialMs: 100, factor: 2, maxMs: 5_000 } })
  @Idempotent({ key: (m) => m.payload.orderId, ttlMs: 24 * 3_600_000 })
  async invoice(order: OrderCreated, ctx: MessageContext): Promise<void> {
    this.log.note('billing', `invoiced ${order.orderId}: ${order.total} ${order.currency}`);
    await ctx.publish(
      'invoices.issued',
      { orderId: order.orderId, amount: order.total },
      { key: order.customerId },
    );
  }

  @RpcHandler('billing.quote', { schema: QuoteRequest })
  quote(request: QuoteRequest): Quote {
    const net = request.items * request.unitPrice;
    return { total: Math.round(net * 1.2 * 100) / 100, tax: Math.round(net * 0.2 * 100) / 100 };
  }

  /** Publishes through the injected bus, outside any message's conversation. */
  async announcePriceList(): Promise<void> {
    await this.bus.publish('billing.prices-updated', { at: new Date().toISOString() });
  }
}
