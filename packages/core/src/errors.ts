/**
 * Base class of every error Switchyard throws. `code` is stable across releases, so callers
 * branch on it rather than on messages.
 */
export abstract class SwitchyardError extends Error {
  /** Stable machine-readable identifier, e.g. `SWY_RPC_TIMEOUT`. */
  abstract readonly code: string;
  /** Whether delivering the same message again can succeed. */
  readonly retryable: boolean = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A decorator was used in a way that cannot work; raised at start-up, naming class and method. */
export class ConfigurationError extends SwitchyardError {
  readonly code = 'SWY_CONFIGURATION';
  override readonly retryable = false;
}

/** A topic or pattern does not follow the dotted-word grammar. */
export class InvalidTopicError extends SwitchyardError {
  readonly code = 'SWY_INVALID_TOPIC';
  override readonly retryable = false;
}

/** A message body could not be decoded; the message is dead-lettered at once. */
export class DecodeError extends SwitchyardError {
  readonly code = 'SWY_DECODE_FAILED';
  override readonly retryable = false;
}

/** A payload failed its schema; the message is dead-lettered at once. */
export class ValidationFailedError extends SwitchyardError {
  readonly code = 'SWY_VALIDATION_FAILED';
  override readonly retryable = false;

  constructor(
    message: string,
    /** One line per failed constraint, `property: constraint message`. */
    readonly violations: readonly string[],
  ) {
    super(message);
  }
}

/** No upcaster chain leads from the message's schema version to the handler's. */
export class UpcastError extends SwitchyardError {
  readonly code = 'SWY_UPCAST_FAILED';
  override readonly retryable = false;
}

/** A handler did not settle within its timeout. Retried like any other failure. */
export class HandlerTimeoutError extends SwitchyardError {
  readonly code = 'SWY_HANDLER_TIMEOUT';
}

/** A handler rejected the message on purpose through `ctx.reject()`. */
export class MessageRejectedError extends SwitchyardError {
  readonly code = 'SWY_REJECTED';
  override readonly retryable = false;
}

/** Another delivery of the same idempotency key is being handled right now. */
export class DuplicateInProgressError extends SwitchyardError {
  readonly code = 'SWY_DUPLICATE_IN_PROGRESS';
}

/** An `@Idempotent` key function returned nothing for a message, which cannot then be deduplicated. */
export class IdempotencyKeyMissingError extends SwitchyardError {
  readonly code = 'SWY_IDEMPOTENCY_KEY_MISSING';
  override readonly retryable = false;
}

/** `request()` got no reply in time. */
export class RpcTimeoutError extends SwitchyardError {
  readonly code = 'SWY_RPC_TIMEOUT';

  constructor(
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    super(`No reply to request on "${topic}" within ${timeoutMs} ms`);
  }
}

/** The RPC handler failed; `remoteCode` carries the handler's error code when it had one. */
export class RpcRemoteError extends SwitchyardError {
  readonly code = 'SWY_RPC_REMOTE';

  constructor(
    message: string,
    readonly remoteCode: string | undefined,
  ) {
    super(message);
  }
}

/** Nobody subscribes to the topic, and the transport can tell (see `capabilities.unroutableDetection`). */
export class NoRouteError extends SwitchyardError {
  readonly code = 'SWY_NO_ROUTE';
  override readonly retryable = false;

  constructor(readonly topic: string) {
    super(`No subscriber is bound to topic "${topic}"`);
  }
}

/** The transport URL names a scheme no installed transport handles. */
export class UnknownTransportError extends SwitchyardError {
  readonly code = 'SWY_UNKNOWN_TRANSPORT';
  override readonly retryable = false;
}

/** The transport cannot do what was asked (e.g. transactions on a broker without them). */
export class CapabilityNotSupportedError extends SwitchyardError {
  readonly code = 'SWY_CAPABILITY_NOT_SUPPORTED';
  override readonly retryable = false;
}

/** The transport is not connected, or lost its connection and could not restore it in time. */
export class TransportUnavailableError extends SwitchyardError {
  readonly code = 'SWY_TRANSPORT_UNAVAILABLE';
}

/** A message is larger than the broker accepts. */
export class MessageTooLargeError extends SwitchyardError {
  readonly code = 'SWY_MESSAGE_TOO_LARGE';
  override readonly retryable = false;
}

/** The broker has no queue of that name. */
export class UnknownQueueError extends SwitchyardError {
  readonly code = 'SWY_UNKNOWN_QUEUE';
  override readonly retryable = false;
}

/** The operation needs a running app, or one that has not stopped. */
export class LifecycleError extends SwitchyardError {
  readonly code = 'SWY_LIFECYCLE';
  override readonly retryable = false;
}

/** Whether an error is worth another delivery; unknown errors are, typed ones say. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof SwitchyardError) || error.retryable;
}

/** The `code` of a Switchyard error, or the error's name for anything else. */
export function errorCode(error: unknown): string {
  if (error instanceof SwitchyardError) return error.code;
  if (error instanceof Error) return error.name;
  return 'UnknownError';
}

/** A one-line description of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
