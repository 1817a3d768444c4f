import { MessageTooLargeError, type MessageHeaders, type OutgoingMessage } from '@switchyard/core';
import type { AttributeMap } from './attributes';
import { encodeBody } from './body';
import { DelayTooLongError } from './errors';
import { encodeAttributes } from './headers';
import { fifoId } from './names';

/** SQS's (and SNS's) limit on one message: body plus attribute names, types and values. */
export const MAX_MESSAGE_BYTES = 262_144;

/** The longest delay: SQS keeps a message invisible for at most 12 hours. */
export const MAX_DELAY_MS = 43_200_000;

/** A message as SQS and SNS take it, ready for a batch entry. */
export interface OutboundRecord {
  readonly body: string;
  readonly attributes: AttributeMap;
  /** Bytes SQS counts against its limit. */
  readonly size: number;
  /** FIFO group: the key, or the message id for an unkeyed message (no order among those). */
  readonly groupId: string;
  /** FIFO deduplication id: the message id. */
  readonly deduplicationId: string;
}

/**
 * Encodes a message for SQS/SNS, failing with `MessageTooLargeError` before anything is sent when
 * it exceeds 256 KiB and with `DelayTooLongError` when its delay exceeds 12 h.
 */
export function toRecord(
  message: OutgoingMessage,
  headers: MessageHeaders = message.headers,
  delayMs: number | undefined = message.delayMs,
): OutboundRecord {
  if (delayMs !== undefined && delayMs > MAX_DELAY_MS) throw new DelayTooLongError(delayMs);
  const body = encodeBody(message.body);
  const attributes = encodeAttributes(
    {
      id: message.id,
      topic: message.topic,
      key: message.key,
      timestamp: message.timestamp,
      deliverAt: delayMs !== undefined && delayMs > 0 ? Date.now() + delayMs : undefined,
      base64: body.base64,
    },
    headers,
  );
  const size = Buffer.byteLength(body.text) + attributesSize(attributes);
  if (size > MAX_MESSAGE_BYTES) {
    throw new MessageTooLargeError(
      `Message ${message.id} on "${message.topic}" is ${size} bytes with its attributes; ` +
        `SQS takes at most ${MAX_MESSAGE_BYTES}. Store the payload elsewhere (e.g. S3) and send a reference`,
    );
  }
  return {
    body: body.text,
    attributes,
    size,
    groupId: fifoId(message.key ?? message.id),
    deduplicationId: fifoId(message.id),
  };
}

function attributesSize(attributes: AttributeMap): number {
  let size = 0;
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    size += Buffer.byteLength(value.StringValue);
  }
  return size;
}
