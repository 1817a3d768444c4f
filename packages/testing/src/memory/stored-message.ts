import type { InboundMessage, MessageHeaders, OutgoingMessage } from '@switchyard/core';

/** A message as the in-memory broker keeps it in a queue. */
export interface StoredMessage {
  readonly message: OutgoingMessage;
  /** Headers added by retries, merged over the message's own on delivery. */
  readonly headers: MessageHeaders;
  readonly attempt: number;
}

/** The delivered form of a stored message. */
export function toInbound(stored: StoredMessage, queue: string): InboundMessage {
  const { message } = stored;
  return {
    id: message.id,
    topic: message.topic,
    key: message.key,
    headers: stored.headers,
    body: message.body,
    timestamp: message.timestamp,
    priority: message.priority,
    delayMs: undefined,
    attempt: stored.attempt,
    queue,
  };
}
