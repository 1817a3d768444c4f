/**
 * Header names Switchyard reads and writes. Transports map the ones their broker has a native
 * property for (AMQP `message_id`, `correlation_id`, …) and carry the rest as plain headers, so
 * producers and tools that know nothing of Switchyard still read them.
 */
export const Headers = {
  /** The message's unique id (UUID unless the producer chose one). */
  messageId: 'message-id',
  /** Shared by every message of one conversation; a request's id for its reply. */
  correlationId: 'correlation-id',
  /** Id of the message whose handler published this one. */
  causationId: 'causation-id',
  /** W3C trace context. */
  traceparent: 'traceparent',
  /** MIME type of the body; Switchyard writes `application/json`. */
  contentType: 'content-type',
  /** Version of the payload's schema, for upcasting (absent means 1). */
  schemaVersion: 'schema-version',
  /** Where an RPC reply goes: an address only the requester's transport understands. */
  replyTo: 'reply-to',
  /** Set on an RPC reply whose handler failed: the error code. */
  errorCode: 'swy-error-code',
  /** Set on an RPC reply whose handler failed: the error message. */
  errorMessage: 'swy-error-message',
} as const;

/**
 * Headers added to a dead-lettered message, next to all its original headers. Exported so
 * operators and tools read them without guessing strings.
 */
export const DeadLetterHeaders = {
  /** Why: the error code (`SWY_VALIDATION_FAILED`, `SWY_HANDLER_TIMEOUT`, an error's name…). */
  reason: 'swy-dlq-reason',
  /** The error message. */
  error: 'swy-dlq-error',
  /** The topic the message was published to. */
  originalTopic: 'swy-dlq-original-topic',
  /** The queue (subscription) that gave up on it. */
  queue: 'swy-dlq-queue',
  /** `Class.method` of the handler. */
  handler: 'swy-dlq-handler',
  /** How many deliveries were attempted. */
  attempts: 'swy-dlq-attempts',
  /** ISO time of the first failed attempt (falls back to the last when unknown). */
  firstFailureAt: 'swy-dlq-first-failure-at',
  /** ISO time of the failure that dead-lettered it. */
  lastFailureAt: 'swy-dlq-last-failure-at',
} as const;

/** Header a transport may use to remember when the first failure of a message happened. */
export const FIRST_FAILURE_HEADER = 'swy-first-failure-at';

/** The default content type of Switchyard messages. */
export const JSON_CONTENT_TYPE = 'application/json';
