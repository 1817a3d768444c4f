import { randomUUID } from 'node:crypto';
import type { OutgoingMessage, SubscriptionSpec } from '@switchyard/core';

/** A subscription spec with test defaults: one handler, no retries, no priority. */
export function subscriptionSpec(
  queue: string,
  patterns: readonly string[],
  overrides: Partial<SubscriptionSpec> = {},
): SubscriptionSpec {
  return {
    queue,
    patterns,
    concurrency: 1,
    prefetch: 10,
    ackMode: 'after-handler',
    maxAttempts: 3,
    ordered: false,
    maxPriority: 0,
    transportOptions: {},
    ...overrides,
  };
}

/** A JSON message as `MessageBus` would build it. */
export function outgoing(
  topic: string,
  payload: unknown,
  overrides: Partial<OutgoingMessage> = {},
): OutgoingMessage {
  return {
    id: randomUUID(),
    topic,
    key: undefined,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(payload)),
    timestamp: Date.now(),
    priority: undefined,
    delayMs: undefined,
    ...overrides,
  };
}
