import { SwitchyardError } from '@switchyard/core';

/** A publish asked for a delay longer than RabbitMQ can hold a message. */
export class DelayOutOfRangeError extends SwitchyardError {
  readonly code = 'SWY_DELAY_OUT_OF_RANGE';
  override readonly retryable = false;

  constructor(
    readonly delayMs: number,
    readonly maxDelayMs: number,
  ) {
    super(
      `A delay of ${delayMs} ms is longer than the ${maxDelayMs} ms RabbitMQ can hold a message; schedule it closer to its time`,
    );
  }
}

/** The broker refused a publish (basic.nack): it did not take responsibility for the message. */
export class PublishRejectedError extends SwitchyardError {
  readonly code = 'SWY_PUBLISH_REJECTED';

  constructor(routingKey: string) {
    super(
      `RabbitMQ refused the message for "${routingKey}" (basic.nack); check the queue's limits and the broker's alarms, then publish again`,
    );
  }
}

/**
 * Declaring a queue or exchange failed because one of that name exists with other arguments
 * (RabbitMQ's PRECONDITION_FAILED), e.g. a queue first declared classic and now quorum.
 */
export class TopologyConflictError extends SwitchyardError {
  readonly code = 'SWY_TOPOLOGY_CONFLICT';
  override readonly retryable = false;
}

/**
 * The RabbitMQ management HTTP API (used to list queues) could not be reached or refused the
 * request: the plugin is not enabled, `?management=` is wrong, or its user may not read the vhost.
 */
export class ManagementApiError extends SwitchyardError {
  readonly code = 'SWY_RABBITMQ_MANAGEMENT_API';
}
