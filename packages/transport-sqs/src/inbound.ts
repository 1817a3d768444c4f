import type { Message } from '@aws-sdk/client-sqs';
import type { InboundMessage, MessageHeaders } from '@switchyard/core';
import { present } from './aws-errors';
import { decodeBody } from './body';
import { decodeAttributes } from './headers';
import { MAX_VISIBILITY_SECONDS } from './queue-client';

/** A received SQS message: what the handler sees, and what settling it needs. */
export interface Received {
  readonly message: InboundMessage;
  readonly receiptHandle: string;
  /** SQS's own id: stable across redeliveries, unlike the receipt handle. */
  readonly sqsMessageId: string;
  /** The FIFO message group, on `.fifo` queues. */
  readonly group: string | undefined;
  /** Epoch ms before which it must not be handled, when it was published with a delay. */
  readonly deliverAt: number | undefined;
  /** It says which topic it was published to (foreign messages sent to the queue do not). */
  readonly routed: boolean;
}

/**
 * Builds the `InboundMessage` of a received SQS message. A message from a producer that knows
 * nothing of Switchyard gets SQS's `MessageId` as id, `fallbackTopic` as topic, its
 * `MessageGroupId` as key and its `SentTimestamp` as timestamp. `attempt` is SQS's
 * `ApproximateReceiveCount`, less the receives that only held a delayed message back.
 * `extraHeaders` (from a retry settlement this process applied) are merged over the message's.
 */
export function toReceived(
  raw: Message,
  queue: string,
  fallbackTopic: string,
  extraHeaders: MessageHeaders | undefined,
): Received {
  const decoded = decodeAttributes(raw.MessageAttributes);
  const sqsMessageId = present(raw.MessageId, 'MessageId');
  const system = raw.Attributes ?? {};
  const receiveCount = Number(system.ApproximateReceiveCount ?? 1);
  const firstReceive = Number(system.ApproximateFirstReceiveTimestamp);
  const group = system.MessageGroupId;
  const timestamp =
    decoded.timestamp !== undefined && Number.isFinite(decoded.timestamp)
      ? decoded.timestamp
      : Number(system.SentTimestamp ?? Date.now());
  const message: InboundMessage = {
    id: decoded.id ?? sqsMessageId,
    topic: decoded.topic ?? fallbackTopic,
    key: decoded.key ?? (decoded.id === undefined ? group : undefined),
    headers: extraHeaders ? { ...decoded.headers, ...extraHeaders } : decoded.headers,
    body: decodeBody(raw.Body, decoded.base64),
    timestamp,
    priority: undefined,
    delayMs: undefined,
    attempt: Math.max(1, receiveCount - holds(decoded.deliverAt, firstReceive)),
    queue,
  };
  return {
    message,
    receiptHandle: present(raw.ReceiptHandle, 'ReceiptHandle'),
    sqsMessageId,
    group,
    deliverAt: Number.isFinite(decoded.deliverAt) ? decoded.deliverAt : undefined,
    routed: decoded.topic !== undefined,
  };
}

/** Receives spent holding a delayed message invisible until its time (one per 12 h of delay). */
function holds(deliverAt: number | undefined, firstReceive: number): number {
  if (deliverAt === undefined || !Number.isFinite(firstReceive) || firstReceive >= deliverAt) {
    return 0;
  }
  return Math.ceil((deliverAt - firstReceive) / (MAX_VISIBILITY_SECONDS * 1000));
}
