import { Headers, type MessageHeaders } from '@switchyard/core';
import type { IHeaders } from 'kafkajs';

/**
 * Record headers the Kafka transport writes for itself, next to Switchyard's own (`Headers`,
 * written under their names as plain string headers). They are removed from the headers a handler
 * sees.
 */
export const KafkaHeaders = {
  /** Delivery attempt of a retried copy (absent means 1). */
  attempt: 'swy-attempt',
  /** Epoch milliseconds before which the record must not be handled (delay and retry backoff). */
  deliverAt: 'swy-deliver-at',
  /** The topic a copy in a retry topic was first published to. */
  originalTopic: 'swy-original-topic',
  /**
   * On a dead letter moved within its topic (by a deletion that rewrote the topic), where it
   * first was, `<partition>:<offset>`: it tells a copy from its original until the old part of the
   * topic is gone.
   */
  deadLetterOrigin: 'swy-dlq-origin',
} as const;

const INTERNAL = new Set<string>(Object.values(KafkaHeaders));

/** What the transport reads from a record's headers. */
export interface ReadHeaders {
  /** The headers a handler sees: everything but the transport's own. */
  readonly headers: MessageHeaders;
  readonly messageId: string | undefined;
  readonly attempt: number;
  /** Epoch ms, or 0 when the record is due at once. */
  readonly deliverAt: number;
  readonly originalTopic: string | undefined;
}

/** Decodes a record's headers (byte values are read as UTF-8; a repeated header keeps its last value). */
export function readHeaders(raw: IHeaders | undefined): ReadHeaders {
  const headers: MessageHeaders = {};
  let attempt = 1;
  let deliverAt = 0;
  let originalTopic: string | undefined;
  if (raw) {
    for (const name in raw) {
      const value = headerValue(raw[name]);
      if (value === undefined) continue;
      if (!name.startsWith('swy-') || !INTERNAL.has(name)) headers[name] = value;
      else if (name === KafkaHeaders.attempt) attempt = Math.max(1, Number(value) || 1);
      else if (name === KafkaHeaders.deliverAt) deliverAt = Number(value) || 0;
      else if (name === KafkaHeaders.originalTopic) originalTopic = value;
    }
  }
  return { headers, messageId: headers[Headers.messageId], attempt, deliverAt, originalTopic };
}

function headerValue(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return headerValue(value[value.length - 1]);
  // `toString()` with no argument is Node's UTF-8 fast path (no encoding lookup), per header.
  return typeof value === 'string' ? value : value.toString();
}
