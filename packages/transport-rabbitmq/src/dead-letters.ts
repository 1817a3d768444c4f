import { createHash } from 'node:crypto';
import { type DeadLetter, DeadLetterHeaders } from '@switchyard/core';
import type { Channel, GetMessage, Message } from 'amqplib';
import { AmqpHeaders, inboundMessage } from './headers';

/**
 * Reads up to `limit` messages of a dead-letter queue without removing them: `basic.get` without
 * ack, then the caller closes the channel and RabbitMQ puts them back in their place. While a peek
 * runs (a few milliseconds) those messages are invisible to other readers of the DLQ.
 */
export async function peekQueue(
  channel: Channel,
  dlq: string,
  limit: number,
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  while (letters.length < limit) {
    const message = await channel.get(dlq, { noAck: false });
    if (message === false) break;
    letters.push(deadLetter(message, dlq));
  }
  return letters;
}

/**
 * The id of a dead letter: its `message_id`, which every copy the transport stores has. A message
 * RabbitMQ dead-lettered itself may lack one (a foreign message past a quorum delivery limit); it
 * gets an id derived from its properties and body, the same at every read, so that it can still
 * be shown, replayed and deleted by id.
 */
export function deadLetterId(message: Message): string {
  const id = message.properties.messageId as string | undefined;
  if (id !== undefined) return id;
  const hash = createHash('sha256');
  hash.update(JSON.stringify(message.properties)).update(message.content);
  return `rabbitmq-${hash.digest('hex').slice(0, 32)}`;
}

function deadLetter(message: GetMessage, dlq: string): DeadLetter {
  const inbound = inboundMessage(message, dlq);
  const carried = (message.properties.headers as Record<string, unknown> | undefined)?.[
    AmqpHeaders.topic
  ];
  return {
    id: deadLetterId(message),
    topic:
      inbound.headers[DeadLetterHeaders.originalTopic] ??
      (carried === undefined ? brokerTopic(message) : undefined) ??
      inbound.topic,
    key: inbound.key,
    headers: inbound.headers,
    body: inbound.body,
    priority: inbound.priority,
  };
}

/** For a message RabbitMQ dead-lettered itself (e.g. a quorum delivery limit): its first routing key. */
function brokerTopic(message: GetMessage): string | undefined {
  const deaths = (message.properties.headers as Record<string, unknown> | undefined)?.['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return undefined;
  const keys = (deaths[deaths.length - 1] as { 'routing-keys'?: unknown })['routing-keys'];
  return Array.isArray(keys) && typeof keys[0] === 'string' ? keys[0] : undefined;
}
