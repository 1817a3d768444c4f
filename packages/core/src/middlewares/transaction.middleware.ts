import type { MessageBus } from '../message-bus';
import type { Middleware } from '../pipeline/middleware';
import type { TransactionalTransport } from '../transport-abilities';

/**
 * Exactly-once: the handler runs inside a broker transaction that also acknowledges the consumed
 * message. Everything it publishes becomes visible together with the acknowledgement on commit;
 * a failure aborts, so nothing it published is visible and the message is delivered again.
 */
export function transactionMiddleware(
  transport: TransactionalTransport,
  bus: MessageBus,
): Middleware {
  return async (ctx, next) => {
    const transaction = await transport.beginTransaction(ctx.message);
    try {
      await bus.runInTransaction(transaction, () => next(ctx));
    } catch (error) {
      await transaction.abort();
      throw error;
    }
    if (ctx.outcome && ctx.outcome.kind !== 'skip') await transaction.abort();
    else await transaction.commit();
  };
}
