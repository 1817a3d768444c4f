import { randomUUID } from 'node:crypto';
import type { OutgoingMessage } from '@switchyard/core';

/**
 * A JSON message as `MessageBus` builds one, for transport tests that publish without an app: a
 * random id, the JSON content type, no key, priority or delay unless `overrides` say otherwise.
 */
export function outgoingMessage(
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
