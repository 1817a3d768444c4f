import { randomUUID } from 'node:crypto';

/**
 * W3C trace context (`traceparent`) without a tracing SDK: ids are taken from the message id, a
 * random UUID, so no extra entropy is drawn per message. An OpenTelemetry middleware can replace
 * these with real spans.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * A new trace whose root span is this message. `uuid`: the id is known to be a UUID (one
 * `randomUUID()` just made), so checking it can be skipped.
 */
export function rootTraceparent(messageId: string, uuid = false): string {
  const id = uuid || UUID.test(messageId) ? messageId : randomUUID();
  const span = spanHex(id);
  return '00-' + span + traceTail(id) + '-' + span + '-01';
}

/** A span of `parent`'s trace for a message published while handling it (`uuid` as above). */
export function childTraceparent(
  parent: string | undefined,
  messageId: string,
  uuid = false,
): string {
  if (parent === undefined || !TRACEPARENT.test(parent)) return rootTraceparent(messageId, uuid);
  // A producer-chosen message id need not be a UUID; the span then gets a fresh random id.
  const id = uuid || UUID.test(messageId) ? messageId : randomUUID();
  return `00-${parent.slice(3, 35)}-${spanHex(id)}-${parent.slice(53, 55)}`;
}

/**
 * The first 16 hex digits of a UUID: the span id, and the first half of the trace id. Cut from
 * the UUID directly, not from its 32-digit form: every publish builds a traceparent, and joining
 * fewer pieces is measurably cheaper.
 */
function spanHex(uuid: string): string {
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18);
}

/** The last 16 hex digits of a UUID. */
function traceTail(uuid: string): string {
  return uuid.slice(19, 23) + uuid.slice(24);
}
