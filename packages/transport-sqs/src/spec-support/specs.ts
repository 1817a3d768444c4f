import { ACK, type InboundMessage, type Settlement, type SubscriptionSpec } from '@switchyard/core';
import { subscriptionSpec as baseSpec } from '@switchyard/testing';

/** A subscription spec with the defaults core would give a plain `@Subscribe`; patterns default to the queue. */
export function subscriptionSpec(
  overrides: Partial<SubscriptionSpec> & { queue: string },
): SubscriptionSpec {
  return baseSpec(overrides.queue, overrides.patterns ?? [overrides.queue], overrides);
}

/** A delivery handler that records what it gets and settles with `settle` (default ack). */
export function recordingHandler(
  settle: (message: InboundMessage) => Promise<Settlement> | Settlement = () => ACK,
) {
  const received: InboundMessage[] = [];
  return {
    received,
    handler: async (message: InboundMessage): Promise<Settlement> => {
      received.push(message);
      return settle(message);
    },
  };
}
