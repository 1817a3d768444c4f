import { isUtf8 } from 'node:buffer';
import type { InboundMessage, MessageHeaders, OutgoingMessage } from '@switchyard/core';
import { decimalField, headerValue, knownHeader } from './field-text';

/**
 * Field layout of a stream entry written by Switchyard: flat fields, so `redis-cli XRANGE` reads
 * them. Headers become one field each, prefixed with `h:` so they never clash with these.
 *
 * ```
 * id    9b2f…            message id
 * ts    1718000000000    publish time (epoch ms)
 * key   customer-7       ordering key, when there is one
 * h:content-type  application/json
 * h:correlation-id …     every header, one field each
 * topic orders.created   only on copies kept outside the topic's stream (retries, dead letters)
 * attempt 2              only on retried copies: the attempt they start at
 * body  {"orderId":"1"}  the payload, last
 * ```
 */
export const EntryFields = {
  id: 'id',
  timestamp: 'ts',
  key: 'key',
  topic: 'topic',
  attempt: 'attempt',
  body: 'body',
  /** Prefix of a header's field. */
  headerPrefix: 'h:',
} as const;

/** What the entry carries besides the message, for copies outside the topic's stream. */
export interface CopyInfo {
  readonly topic: string;
  /** Attempt the copy starts at. */
  readonly attempt?: number;
  /** Headers merged over the message's own. */
  readonly headers?: MessageHeaders;
}

/** The flat field list of `XADD` for a message. */
export function toFields(message: OutgoingMessage, copy?: CopyInfo): (string | Buffer)[] {
  const fields: (string | Buffer)[] = [
    EntryFields.id,
    message.id,
    EntryFields.timestamp,
    String(message.timestamp),
  ];
  if (message.key !== undefined) fields.push(EntryFields.key, message.key);
  const headers = copy?.headers ? { ...message.headers, ...copy.headers } : message.headers;
  for (const name in headers) fields.push(EntryFields.headerPrefix + name, headers[name]);
  if (copy) {
    fields.push(EntryFields.topic, copy.topic);
    if (copy.attempt !== undefined) fields.push(EntryFields.attempt, String(copy.attempt));
  }
  // A text body goes as a string: ioredis writes an all-string command much faster than one
  // with a buffer in it, and Redis stores the same bytes either way.
  const { body } = message;
  fields.push(EntryFields.body, isUtf8(body) ? body.toString() : body);
  return fields;
}

/** A stream entry as read, before it becomes a message. */
export interface StreamEntry {
  /** The stream it was read from. */
  readonly stream: string;
  /** Its stream id, e.g. `1718000000000-0`. */
  readonly entryId: string;
  /** Alternating field names and values, as Redis returns them. */
  readonly fields: readonly Buffer[];
}

/**
 * Where an entry was read: a topic's stream (`topic` set; `topic` and `attempt` fields are then
 * plain headers of a foreign producer) or one of Switchyard's own streams (copies carrying them).
 */
export interface EntrySource {
  readonly topic: string | undefined;
  /** Topic to report when an internal entry names none. */
  readonly fallbackTopic: string;
}

/**
 * Reads an entry. Switchyard's fields map back to the message; any other field of an entry with
 * a `body` becomes a header under its own name. An entry without `body` (e.g. `XADD t * orderId 1`)
 * is a foreign record: its fields become a JSON object body. A missing id becomes
 * `<topic>@<entry id>`, stable across redeliveries; a missing timestamp is the entry id's time.
 */
export function decodeEntry(
  entry: StreamEntry,
  source: EntrySource,
  queue: string,
  deliveryCount: number,
): InboundMessage {
  const { fields } = entry;
  const headers: MessageHeaders = {};
  let id: string | undefined;
  let key: string | undefined;
  let timestamp: number | undefined;
  let topic: string | undefined = source.topic;
  const internal = source.topic === undefined;
  let baseAttempt = 1;
  let body: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const field = fields[i];
    const value = fields[i + 1];
    if (isHeaderField(field)) {
      const header = knownHeader(field, HEADER_PREFIX.length);
      if (header === undefined) {
        headers[field.toString('utf8', HEADER_PREFIX.length)] = value.toString();
      } else {
        headers[header.name] = headerValue(header, value);
      }
      continue;
    }
    const name = ownFieldName(field) ?? field.toString();
    switch (name) {
      case EntryFields.body:
        body = value;
        break;
      case EntryFields.id:
        id = value.toString();
        break;
      case EntryFields.key:
        key = value.toString();
        break;
      case EntryFields.timestamp:
        timestamp = decimalField(value);
        if (!Number.isFinite(timestamp)) timestamp = undefined;
        break;
      case EntryFields.topic:
        if (internal) topic = value.toString();
        else headers[name] = value.toString();
        break;
      case EntryFields.attempt:
        if (internal) baseAttempt = Math.max(1, Number(value.toString()) || 1);
        else headers[name] = value.toString();
        break;
      default:
        headers[name] = value.toString();
    }
  }
  topic ??= source.fallbackTopic;
  if (body === undefined) return foreignRecord(entry, topic, queue, deliveryCount);
  return {
    id: id ?? `${topic}@${entry.entryId}`,
    topic,
    key,
    headers,
    body,
    timestamp: timestamp !== undefined && timestamp >= 0 ? timestamp : entryTime(entry.entryId),
    priority: undefined,
    delayMs: undefined,
    attempt: baseAttempt + deliveryCount - 1,
    queue,
  };
}

const HEADER_PREFIX = Buffer.from(EntryFields.headerPrefix);

/** Whether a field name starts with `h:`, checked on its bytes. */
function isHeaderField(field: Buffer): boolean {
  return field.length >= 2 && field[0] === HEADER_PREFIX[0] && field[1] === HEADER_PREFIX[1];
}

const OWN_FIELDS = [
  EntryFields.id,
  EntryFields.timestamp,
  EntryFields.key,
  EntryFields.body,
  EntryFields.topic,
  EntryFields.attempt,
].map((name) => ({ name, bytes: Buffer.from(name) }));

/**
 * Which of Switchyard's own field names `field` is, compared byte by byte: decoding every field
 * name of every entry into a string only to compare it was a measurable share of consuming.
 */
function ownFieldName(field: Buffer): string | undefined {
  for (const { name, bytes } of OWN_FIELDS) {
    if (field.length !== bytes.length) continue;
    let i = 0;
    while (i < bytes.length && field[i] === bytes[i]) i++;
    if (i === bytes.length) return name;
  }
  return undefined;
}

function foreignRecord(
  entry: StreamEntry,
  topic: string,
  queue: string,
  deliveryCount: number,
): InboundMessage {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    record[entry.fields[i].toString()] = entry.fields[i + 1].toString();
  }
  return {
    id: `${topic}@${entry.entryId}`,
    topic,
    key: undefined,
    headers: {},
    body: Buffer.from(JSON.stringify(record)),
    timestamp: entryTime(entry.entryId),
    priority: undefined,
    delayMs: undefined,
    attempt: deliveryCount,
    queue,
  };
}

/** The millisecond part of a stream id. */
export function entryTime(entryId: string): number {
  return Number(entryId.slice(0, entryId.indexOf('-')));
}
