import { randomUUID } from 'node:crypto';
import type { OutgoingMessage } from '@switchyard/core';

export { subscriptionSpec } from '@switchyard/testing';

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
