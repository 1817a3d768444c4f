import { randomUUID } from 'node:crypto';

/**
 * W3C trace context (`traceparent`) without a tracing SDK: ids are taken from the message id, a
 * random UUID, so no extra entropy is drawn per message. An OpenTelemetry middleware can replace
 * these with real spans.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A new trace whose root span is this message. */
export function rootTraceparent(messageId: string): string {
  const hex = uuidHex(messageId);
  return `00-${hex}-${hex.slice(0, 16)}-01`;
}

/** A span of `parent`'s trace for a message published while handling it. */
export function childTraceparent(parent: string | undefined, messageId: string): string {
  if (parent === undefined || !TRACEPARENT.test(parent)) return rootTraceparent(messageId);
  const hex = uuidHex(messageId);
  return `00-${parent.slice(3, 35)}-${hex.slice(0, 16)}-${parent.slice(53, 55)}`;
}

function uuidHex(id: string): string {
  // A producer-chosen message id need not be a UUID; the trace then gets fresh random ids.
  const uuid = UUID.test(id) ? id : randomUUID();
  return (
    uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24)
  );
}
