import type { SubscriptionSpec } from '@switchyard/core';
import type { Channel } from 'amqplib';
import { TopologyConflictError } from './errors';
import { queueOptions } from './queue-settings';

/** Where a message waits before being delivered: `delay` fans out, `retry` targets one queue. */
export type DelayKind = 'delay' | 'retry';

/**
 * Header naming the delay bucket a message waits in; the delay exchanges route on it. Not `x-…`:
 * a headers exchange ignores binding arguments that start with `x-`.
 */
export const DELAY_HEADER = 'swy-delay-bucket';

/** The queue a subscription's dead letters are stored in. */
export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

/** The headers exchange that routes delayed messages of one kind to their bucket queue. */
export function delayExchangeName(exchange: string, kind: DelayKind): string {
  return `${exchange}.${kind}`;
}

/** The TTL queue holding messages of one kind that wait `bucketMs`. */
export function delayQueueName(exchange: string, kind: DelayKind, bucketMs: number): string {
  return `${exchange}.${kind}.${bucketMs}`;
}

/**
 * The arguments of a subscription's queue. RabbitMQ refuses a re-declaration with other arguments,
 * so they depend only on the spec: every instance of a consumer declares the same queue.
 */
export function queueArguments(spec: SubscriptionSpec): Record<string, unknown> {
  const options = queueOptions(spec);
  const args: Record<string, unknown> = {
    // Broker-side dead-lettering (quorum delivery limit, a reject) lands in the same DLQ.
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': deadLetterQueueName(spec.queue),
  };
  if (options.queueType === 'quorum') {
    args['x-queue-type'] = 'quorum';
    args['x-delivery-limit'] = options.deliveryLimit ?? spec.maxAttempts;
  }
  if (spec.maxPriority > 0) args['x-max-priority'] = Math.min(spec.maxPriority, 255);
  if (spec.ordered) args['x-single-active-consumer'] = true;
  return args;
}

/** Declares the events exchange and the two delay exchanges. Idempotent. */
export async function declareExchanges(channel: Channel, exchange: string): Promise<void> {
  await guard(channel.assertExchange(exchange, 'topic', { durable: true }), `exchange ${exchange}`);
  for (const kind of ['delay', 'retry'] as const) {
    const name = delayExchangeName(exchange, kind);
    await guard(channel.assertExchange(name, 'headers', { durable: true }), `exchange ${name}`);
  }
}

/** Declares a subscription's dead-letter queue, its queue, and binds its patterns. Idempotent. */
export async function declareSubscriptionQueue(
  channel: Channel,
  exchange: string,
  spec: SubscriptionSpec,
): Promise<void> {
  const arguments_ = queueArguments(spec);
  const dlq = deadLetterQueueName(spec.queue);
  await guard(channel.assertQueue(dlq, { durable: true }), `queue ${dlq}`);
  await guard(
    channel.assertQueue(spec.queue, { durable: true, arguments: arguments_ }),
    `queue ${spec.queue}`,
  );
  for (const pattern of spec.patterns) await channel.bindQueue(spec.queue, exchange, pattern);
}

/**
 * Declares the TTL queue of one delay bucket: messages expire from its head after `bucketMs` and
 * RabbitMQ dead-letters them onwards — `delay` ones to the events exchange under their topic,
 * `retry` ones through the default exchange to the queue named by their routing key.
 */
export async function declareDelayQueue(
  channel: Channel,
  exchange: string,
  kind: DelayKind,
  bucketMs: number,
): Promise<void> {
  const name = delayQueueName(exchange, kind, bucketMs);
  const arguments_ = {
    'x-message-ttl': bucketMs,
    'x-dead-letter-exchange': kind === 'delay' ? exchange : '',
  };
  await guard(channel.assertQueue(name, { durable: true, arguments: arguments_ }), `queue ${name}`);
  await channel.bindQueue(name, delayExchangeName(exchange, kind), '', {
    'x-match': 'all',
    [DELAY_HEADER]: String(bucketMs),
  });
}

async function guard<T>(declaration: Promise<T>, what: string): Promise<T> {
  try {
    return await declaration;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('PRECONDITION_FAILED') || message.includes('PRECONDITION-FAILED')) {
      throw new TopologyConflictError(
        `${what} exists with other arguments (${message}); delete it or keep its settings`,
        { cause: error },
      );
    }
    throw error;
  }
}
