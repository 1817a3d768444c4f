import type { InboundMessage } from '@switchyard/core';
import type { KafkaMessage } from 'kafkajs';
import { DELIVERY, type Delivery } from './delivery';
import type { ReadHeaders } from './headers';

const EMPTY = Buffer.alloc(0);

/**
 * The delivered form of a record. A record without a `message-id` header (from a producer that
 * knows nothing of Switchyard) gets `<topic>-<partition>-<offset>`, stable across redeliveries;
 * a copy from a retry topic is delivered under the topic it was first published to.
 */
export function toInbound(
  record: KafkaMessage,
  read: ReadHeaders,
  position: { readonly topic: string; readonly partition: number },
  deliveredTopic: string,
  queue: string,
  delivery?: Delivery,
): InboundMessage {
  // The symbol goes last: V8 builds a literal from a template only up to its first computed key.
  const message: InboundMessage & { [DELIVERY]: Delivery | undefined } = {
    id: read.messageId ?? `${position.topic}-${position.partition}-${record.offset}`,
    topic: deliveredTopic,
    key: record.key === null ? undefined : record.key.toString(),
    headers: read.headers,
    body: record.value ?? EMPTY,
    timestamp: Number(record.timestamp),
    priority: undefined,
    delayMs: undefined,
    attempt: read.attempt,
    queue,
    [DELIVERY]: delivery,
  };
  return message;
}
