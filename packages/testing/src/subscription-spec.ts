import type { SubscriptionSpec } from '@switchyard/core';

/**
 * A subscription spec as core builds one for a plain `@Subscribe`, for transport tests that
 * subscribe without an app: concurrency 1, prefetch 10, ack after the handler, 3 attempts.
 */
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
