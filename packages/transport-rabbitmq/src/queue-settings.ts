import { ConfigurationError, type SubscriptionSpec } from '@switchyard/core';

/** The RabbitMQ queue types a subscription can ask for. */
export type QueueType = 'classic' | 'quorum';

/**
 * What `@Consumer({ transportOptions })` may say to this transport:
 * - `queueType`: `'classic'` (default) or `'quorum'` (replicated; see the README for what changes).
 * - `deliveryLimit`: quorum only, RabbitMQ's `x-delivery-limit`; default `spec.maxAttempts`.
 */
export interface RabbitMqQueueOptions {
  readonly queueType: QueueType;
  readonly deliveryLimit: number | undefined;
}

/** Reads and checks a subscription's `transportOptions`, naming the queue in any error. */
export function queueOptions(spec: SubscriptionSpec): RabbitMqQueueOptions {
  const { queueType = 'classic', deliveryLimit } = spec.transportOptions as {
    queueType?: unknown;
    deliveryLimit?: unknown;
  };
  if (queueType !== 'classic' && queueType !== 'quorum') {
    throw new ConfigurationError(
      `queue "${spec.queue}": transportOptions.queueType must be "classic" or "quorum", got ${String(queueType)}`,
    );
  }
  if (queueType === 'quorum' && spec.maxPriority > 0) {
    throw new ConfigurationError(
      `queue "${spec.queue}": RabbitMQ quorum queues refuse x-max-priority; use maxPriority 0 or queueType "classic"`,
    );
  }
  if (
    deliveryLimit !== undefined &&
    (queueType !== 'quorum' || !Number.isInteger(deliveryLimit) || (deliveryLimit as number) < 0)
  ) {
    throw new ConfigurationError(
      `queue "${spec.queue}": transportOptions.deliveryLimit must be a non-negative integer, on a quorum queue`,
    );
  }
  return { queueType, deliveryLimit: deliveryLimit as number | undefined };
}
