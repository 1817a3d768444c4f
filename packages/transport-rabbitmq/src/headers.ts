import { randomUUID } from 'node:crypto';
import {
  Headers,
  type InboundMessage,
  type MessageHeaders,
  type OutgoingMessage,
} from '@switchyard/core';
import type { Message, MessageProperties, Options } from 'amqplib';

/**
 * AMQP headers Switchyard writes besides the message properties. They are internal: a delivery's
 * `headers` never shows them, their meaning is carried by `InboundMessage` fields instead.
 */
export const AmqpHeaders = {
  /** The ordering key. */
  key: 'x-swy-key',
  /** Publish time in epoch milliseconds (the `timestamp` property holds whole seconds). */
  timestamp: 'x-swy-timestamp',
  /** The delivery attempt of a copy republished for a retry. */
  attempt: 'x-swy-attempt',
  /** The original topic of a republished copy, whose routing key is now a queue name. */
  topic: 'x-swy-topic',
} as const;

const INTERNAL_PREFIX = 'x-swy-';
/** The delay bucket a message waited in (`DELAY_HEADER` of topology.ts): routing, not content. */
const DELAY_BUCKET = 'swy-delay-bucket';
/** Quorum queues' own redelivery counter, read into `attempt` and never republished. */
const DELIVERY_COUNT = 'x-delivery-count';

/** The AMQP properties of a Switchyard message: native ones where AMQP has them, headers otherwise. */
export function publishOptions(message: OutgoingMessage): Options.Publish {
  const headers: Record<string, unknown> = {};
  let correlationId: string | undefined;
  let contentType: string | undefined;
  let replyTo: string | undefined;
  const source = message.headers;
  for (const name in source) {
    const value = source[name];
    if (name === Headers.correlationId) correlationId = value;
    else if (name === Headers.contentType) contentType = value;
    else if (name === Headers.replyTo) replyTo = value;
    else headers[name] = value;
  }
  if (message.key !== undefined) headers[AmqpHeaders.key] = message.key;
  headers[AmqpHeaders.timestamp] = message.timestamp;
  return {
    messageId: message.id,
    correlationId,
    contentType,
    replyTo,
    type: message.topic,
    timestamp: Math.floor(message.timestamp / 1000),
    priority: message.priority === undefined ? undefined : clampPriority(message.priority),
    persistent: true,
    headers,
  };
}

/**
 * The AMQP properties of a message put back into one queue as a first attempt (a replayed dead
 * letter): `publishOptions`, plus `x-swy-topic` since the routing key is now the queue's name, and
 * without RabbitMQ's record of earlier dead-lettering (`x-death`, `x-first-death-*`,
 * `x-last-death-*`) — it would only reach the copy as text, which RabbitMQ discards with a warning.
 */
export function redeliveryOptions(message: OutgoingMessage): Options.Publish {
  const headers: MessageHeaders = {};
  for (const name in message.headers) {
    if (!isDeathRecord(name)) headers[name] = message.headers[name];
  }
  const properties = publishOptions({ ...message, headers });
  (properties.headers as Record<string, unknown>)[AmqpHeaders.topic] = message.topic;
  return properties;
}

function isDeathRecord(name: string): boolean {
  return (
    name === 'x-death' || name.startsWith('x-first-death-') || name.startsWith('x-last-death-')
  );
}

/**
 * The delivered form of an AMQP message. Properties map back to headers; a message without
 * `message_id` gets a generated id. `attempt` is the carried `x-swy-attempt` (1 when absent) plus
 * the redeliveries RabbitMQ saw: the quorum `x-delivery-count` where the queue keeps one, else one
 * more when the `redelivered` flag is set (classic queues do not count).
 */
export function inboundMessage(message: Message, queue: string): InboundMessage {
  const { properties, fields } = message;
  const raw = (properties.headers ?? {}) as Record<string, unknown>;
  const headers: MessageHeaders = {};
  let key: string | undefined;
  let topic: string | undefined;
  let attempt = 1;
  let timestamp: number | undefined;
  let deliveryCount: number | undefined;
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || value === null) continue;
    if (name.startsWith(INTERNAL_PREFIX)) {
      if (name === AmqpHeaders.key) key = String(value);
      else if (name === AmqpHeaders.topic) topic = String(value);
      else if (name === AmqpHeaders.attempt) attempt = Number(value) || 1;
      else if (name === AmqpHeaders.timestamp) timestamp = Number(value);
    } else if (name === DELIVERY_COUNT) {
      deliveryCount = Number(value);
    } else if (name !== DELAY_BUCKET) {
      headers[name] = headerText(value);
    }
  }
  if (properties.correlationId !== undefined)
    headers[Headers.correlationId] = properties.correlationId;
  if (properties.contentType !== undefined) headers[Headers.contentType] = properties.contentType;
  if (properties.replyTo !== undefined) headers[Headers.replyTo] = properties.replyTo;
  if (deliveryCount !== undefined) attempt += deliveryCount;
  else if (fields.redelivered) attempt += 1;
  return {
    id: properties.messageId ?? randomUUID(),
    topic: topic ?? fields.routingKey,
    key,
    headers,
    body: message.content,
    timestamp: timestamp ?? propertyTime(properties),
    priority: properties.priority,
    delayMs: undefined,
    attempt,
    queue,
  };
}

/**
 * Properties of a copy of a delivered message (for a retry or the DLQ): the original properties
 * and headers — RabbitMQ's `x-death` included — with `extra` merged over them.
 */
export function copyOptions(message: Message, extra: Record<string, unknown>): Options.Publish {
  const p: MessageProperties = message.properties;
  const headers: Record<string, unknown> = {};
  const raw = (p.headers ?? {}) as Record<string, unknown>;
  for (const name in raw) {
    if (name !== DELIVERY_COUNT && name !== DELAY_BUCKET && raw[name] !== undefined) {
      headers[name] = raw[name];
    }
  }
  if (Array.isArray(headers['x-death'])) headers['x-death'] = retypeDeaths(headers['x-death']);
  Object.assign(headers, extra);
  return {
    messageId: p.messageId,
    correlationId: p.correlationId,
    contentType: p.contentType,
    contentEncoding: p.contentEncoding,
    replyTo: p.replyTo,
    type: p.type,
    appId: p.appId,
    timestamp: p.timestamp,
    priority: p.priority,
    persistent: true,
    headers,
  };
}

/** amqplib decodes `x-death` counts as plain numbers; RabbitMQ writes them as 64-bit longs. */
function retypeDeaths(deaths: unknown[]): unknown[] {
  return deaths.map((death) => {
    if (typeof death !== 'object' || death === null || !('count' in death)) return death;
    return { ...death, count: { '!': 'long', value: Number(death.count) } };
  });
}

function clampPriority(priority: number): number {
  return Math.max(0, Math.min(255, Math.round(priority)));
}

/** AMQP timestamps are whole seconds; some producers write milliseconds, which are told apart by size. */
function propertyTime(properties: MessageProperties): number {
  const value = Number(properties.timestamp);
  if (!Number.isFinite(value) || value <= 0) return Date.now();
  return value > 1e11 ? value : value * 1000;
}

/** A header value as text: strings as they are, buffers as UTF-8, tables and arrays as JSON. */
function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value !== 'object') return String(value);
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (isTyped(inner)) {
      return inner['!'] === 'timestamp'
        ? new Date(Number(inner.value) * 1000).toISOString()
        : inner.value;
    }
    return inner;
  });
}

function isTyped(value: unknown): value is { '!': string; value: unknown } {
  return typeof value === 'object' && value !== null && '!' in value && 'value' in value;
}
