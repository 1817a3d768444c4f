import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { ActivityLog } from '../activity-log';
import { PaymentRequested } from '../messages';

/**
 * Exactly-once: consuming the request, publishing the capture and acknowledging happen in one
 * broker transaction, so a crash between them never yields a capture without its request being
 * consumed, or the reverse. Needs a transport with transactions (memory, Kafka).
 */
@Consumer({ group: 'payments' })
export class PaymentsConsumer {
  constructor(private readonly log: ActivityLog) {}

  @Subscribe('payments.requested', { schema: PaymentRequested, guarantee: 'exactly-once' })
  async capture(payment: PaymentRequested, ctx: MessageContext): Promise<void> {
    await ctx.publish('payments.captured', { orderId: payment.orderId, amount: payment.amount });
    this.log.note(
      'payments',
      `captured ${payment.amount} for ${payment.orderId} in one transaction`,
    );
  }
}
