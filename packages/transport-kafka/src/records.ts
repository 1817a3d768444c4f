import {
  Headers,
  type InboundMessage,
  type MessageHeaders,
  type OutgoingMessage,
} from '@switchyard/core';
import type { Message } from 'kafkajs';
import { KafkaHeaders } from './headers';

/**
 * The Kafka record of a message: `key` is the record key (so one key stays in one partition),
 * the publish time is the record timestamp, the id and every header are plain string headers,
 * and a delay becomes an absolute `swy-deliver-at`.
 */
export function toRecord(message: OutgoingMessage): Message {
  const headers: Record<string, string> = { ...message.headers, [Headers.messageId]: message.id };
  if (message.delayMs !== undefined && message.delayMs > 0) {
    headers[KafkaHeaders.deliverAt] = String(Date.now() + message.delayMs);
  }
  return {
    key: message.key ?? null,
    value: message.body,
    headers,
    timestamp: String(message.timestamp),
  };
}

/**
 * A copy of a delivered message for a retry or dead-letter topic: same key, body, timestamp and
 * id, its headers with `headers` merged over them.
 */
export function copyRecord(message: InboundMessage, headers: MessageHeaders): Message {
  return {
    key: message.key ?? null,
    value: message.body,
    headers: { ...message.headers, ...headers, [Headers.messageId]: message.id },
    timestamp: String(message.timestamp),
  };
}
