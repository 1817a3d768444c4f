import { SwitchyardError } from '@switchyard/core';

/**
 * SQS or SNS refused one entry of a batch request. `retryable` is false when AWS says the request
 * itself was wrong (`SenderFault`), true when the service failed.
 */
export class SqsEntryFailedError extends SwitchyardError {
  readonly code = 'SWY_SQS_ENTRY_FAILED';
  override readonly retryable: boolean;

  constructor(
    /** The API call, e.g. `PublishBatch`. */
    readonly operation: string,
    /** AWS's error code for the entry. */
    readonly awsCode: string,
    message: string,
    senderFault: boolean,
  ) {
    super(`${operation} refused a message: ${awsCode}: ${message}`);
    this.retryable = !senderFault;
  }
}

/** A delay longer than SQS can hold a message invisible (12 hours). */
export class DelayTooLongError extends SwitchyardError {
  readonly code = 'SWY_DELAY_TOO_LONG';
  override readonly retryable = false;

  constructor(readonly delayMs: number) {
    super(
      `A delay of ${delayMs} ms is longer than SQS can hold a message (12 h, 43 200 000 ms); ` +
        'schedule it elsewhere and publish closer to the time',
    );
  }
}
