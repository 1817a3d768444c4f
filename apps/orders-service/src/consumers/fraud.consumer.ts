import { Consumer, Retry, Subscribe } from '@switchyard/core';
import { ActivityLog } from '../activity-log';
import { OrderCreated } from '../messages';

/** Raised by the fraud check; the order is retried, then dead-lettered with this as the reason. */
export class FraudServiceError extends Error {
  override readonly name = 'FraudServiceError';
}

/**
 * A poison message: the fraud check fails for ever on orders above its limit. Retries are bounded
 * and backed off; after the last one the order lands in the dead-letter queue with the reason,
 * instead of blocking the queue or looping for ever.
 */
@Consumer({ group: 'fraud' })
export class FraudConsumer {
  static readonly limit = 10_000;

  constructor(private readonly log: ActivityLog) {}

  @Subscribe('orders.created', { schema: OrderCreated })
  @Retry({ attempts: 3, backoff: { initialMs: 50, factor: 2 } })
  check(order: OrderCreated): void {
    if (order.total > FraudConsumer.limit) {
      this.log.note(
        'fraud',
        `cannot score ${order.orderId} (${order.total} > ${FraudConsumer.limit}), will retry`,
      );
      throw new FraudServiceError(`Scoring service refuses totals above ${FraudConsumer.limit}`);
    }
    this.log.note('fraud', `scored ${order.orderId}: low risk`);
  }
}
