import { SwitchyardError, TransportUnavailableError } from '@switchyard/core';

/**
 * Redis refused a command (a key of the wrong type, a script error…). Not retryable: the same
 * command would fail again until someone changes the data or the configuration.
 */
export class RedisCommandError extends SwitchyardError {
  readonly code = 'SWY_REDIS_COMMAND';
  override readonly retryable = false;
}

/** Redis answered in a shape this transport does not understand (an incompatible server). */
export class RedisReplyError extends SwitchyardError {
  readonly code = 'SWY_REDIS_REPLY';
  override readonly retryable = false;
}

/** A reply was addressed somewhere that is not a Switchyard reply stream of this namespace. */
export class InvalidReplyAddressError extends SwitchyardError {
  readonly code = 'SWY_REDIS_REPLY_ADDRESS';
  override readonly retryable = false;
}

/**
 * A failed Redis call as a Switchyard error: Redis's refusal (`ReplyError`) as
 * `RedisCommandError`, anything else (a lost connection) as the retryable
 * `TransportUnavailableError`. Switchyard errors pass through.
 */
export function toTransportError(error: unknown, what: string): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError') {
    return new RedisCommandError(`Redis refused to ${what}: ${message}`, { cause: error });
  }
  return new TransportUnavailableError(`Could not ${what}: ${message}`, { cause: error });
}

/** Whether Redis answered that a consumer group (or its stream) does not exist. */
export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}
