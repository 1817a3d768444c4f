import { DeadLetterHeaders, Headers, type MessageHeaders } from '@switchyard/core';
import {
  type AttributeMap,
  type ReceivedAttributes,
  MAX_ATTRIBUTES,
  SqsAttributes,
  isSqsText,
  numberAttribute,
  stringAttribute,
} from './attributes';

/**
 * Headers that travel as message attributes of their own, under their header name, so consoles
 * and other consumers read them without parsing JSON. The rest share the `swy-headers` attribute.
 * Listed most useful first: when attributes run short, the last ones move into `swy-headers`.
 */
const PROMOTED_HEADERS: readonly string[] = [
  Headers.contentType,
  Headers.correlationId,
  Headers.traceparent,
  DeadLetterHeaders.reason,
];

/** The envelope fields of a message besides its headers and body. */
export interface EnvelopeFields {
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly timestamp: number;
  /** Epoch ms before which it must not be handled; undefined when not delayed. */
  readonly deliverAt: number | undefined;
  /** The body travels base64-encoded. */
  readonly base64: boolean;
}

/**
 * Packs a message's envelope and headers into at most 10 attributes: `swy-topic`, `swy-id`,
 * `swy-key`, `swy-timestamp`, `swy-deliver-at`, `swy-body-encoding`, the promoted headers, and
 * `swy-headers` (JSON) with every other header. A value SQS cannot carry as an attribute (empty,
 * or with characters outside XML's range) goes into `swy-headers` too.
 */
export function encodeAttributes(fields: EnvelopeFields, headers: MessageHeaders): AttributeMap {
  const attributes: AttributeMap = {
    [SqsAttributes.timestamp]: numberAttribute(fields.timestamp),
  };
  if (fields.deliverAt !== undefined) {
    attributes[SqsAttributes.deliverAt] = numberAttribute(fields.deliverAt);
  }
  if (fields.base64) attributes[SqsAttributes.bodyEncoding] = stringAttribute('base64');
  const bag: MessageHeaders = {};
  const put = (name: string, value: string) => {
    if (value.length > 0 && isSqsText(value)) attributes[name] = stringAttribute(value);
    else bag[name] = value;
  };
  put(SqsAttributes.topic, fields.topic);
  put(SqsAttributes.id, fields.id);
  if (fields.key !== undefined) put(SqsAttributes.key, fields.key);
  const promoted: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (PROMOTED_HEADERS.includes(name) && value.length > 0 && isSqsText(value)) {
      promoted.push([name, value]);
    } else {
      bag[name] = value;
    }
  }
  // Keep room for `swy-headers`: move the least useful promoted headers into it while too many.
  promoted.sort(([a], [b]) => PROMOTED_HEADERS.indexOf(a) - PROMOTED_HEADERS.indexOf(b));
  const fixed = Object.keys(attributes).length;
  while (fixed + promoted.length + (hasAny(bag) ? 1 : 0) > MAX_ATTRIBUTES) {
    const last = promoted.pop();
    if (!last) break;
    bag[last[0]] = last[1];
  }
  for (const [name, value] of promoted) attributes[name] = stringAttribute(value);
  if (hasAny(bag)) attributes[SqsAttributes.headers] = stringAttribute(JSON.stringify(bag));
  return attributes;
}

/** What the attributes of a received message say; fields absent on foreign messages. */
export interface DecodedAttributes {
  id: string | undefined;
  topic: string | undefined;
  key: string | undefined;
  timestamp: number | undefined;
  deliverAt: number | undefined;
  base64: boolean;
  readonly headers: MessageHeaders;
}

/**
 * Reads Switchyard's attributes back, and turns every other `String` or `Number` attribute into a
 * header of the same name (binary attributes are not headers, and are left out).
 */
export function decodeAttributes(attributes: ReceivedAttributes | undefined): DecodedAttributes {
  const decoded: DecodedAttributes = {
    id: undefined,
    topic: undefined,
    key: undefined,
    timestamp: undefined,
    deliverAt: undefined,
    base64: false,
    headers: {},
  };
  if (!attributes) return decoded;
  for (const name in attributes) {
    const value = attributes[name]?.StringValue;
    if (value === undefined) continue;
    if (name === SqsAttributes.headers) unpackHeaders(value, decoded);
    else setField(decoded, name, value);
  }
  return decoded;
}

function unpackHeaders(json: string, decoded: DecodedAttributes): void {
  let bag: unknown;
  try {
    bag = JSON.parse(json);
  } catch {
    decoded.headers[SqsAttributes.headers] = json;
    return;
  }
  if (typeof bag !== 'object' || bag === null) return;
  for (const [name, value] of Object.entries(bag)) {
    if (typeof value === 'string') setField(decoded, name, value);
  }
}

function setField(decoded: DecodedAttributes, name: string, value: string): void {
  switch (name) {
    case SqsAttributes.topic:
      decoded.topic = value;
      return;
    case SqsAttributes.id:
      decoded.id = value;
      return;
    case SqsAttributes.key:
      decoded.key = value;
      return;
    case SqsAttributes.timestamp:
      decoded.timestamp = Number(value);
      return;
    case SqsAttributes.deliverAt:
      decoded.deliverAt = Number(value);
      return;
    case SqsAttributes.bodyEncoding:
      decoded.base64 = value === 'base64';
      return;
    default:
      decoded.headers[name] = value;
  }
}

function hasAny(bag: MessageHeaders): boolean {
  for (const _ in bag) return true;
  return false;
}
