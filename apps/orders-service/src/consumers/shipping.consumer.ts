import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { ActivityLog } from '../activity-log';
import { OrderCreated } from '../messages';

/**
 * Fan-out with ordering: shipping gets its own copy of each order; orders of one customer (the
 * message key) are handled one at a time, in order, even with several in flight.
 */
@Consumer({ group: 'shipping', concurrency: 4, ordered: true })
export class ShippingConsumer {
  constructor(private readonly log: ActivityLog) {}

  @Subscribe('orders.created', { schema: OrderCreated })
  schedule(order: OrderCreated, ctx: MessageContext): void {
    this.log.note('shipping', `scheduled ${order.orderId} for ${ctx.key ?? 'unknown customer'}`);
  }
}
