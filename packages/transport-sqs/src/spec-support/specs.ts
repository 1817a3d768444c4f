import {
  ACK,
  type InboundMessage,
  type OutgoingMessage,
  type Settlement,
  type SubscriptionSpec,
} from '@switchyard/core';
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

/** A message as `MessageBus` builds it, with a random id unless given. */
export function outgoing(
  topic: string,
  payload: unknown,
  overrides: Partial<OutgoingMessage> = {},
): OutgoingMessage {
  return {
    id: `msg-${Math.random().toString(36).slice(2)}`,
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
