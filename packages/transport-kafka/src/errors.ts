import { SwitchyardError } from '@switchyard/core';

/** Kafka did not take a publish (after kafkajs's own retries); the caller may publish again. */
export class KafkaPublishError extends SwitchyardError {
  readonly code = 'SWY_KAFKA_PUBLISH_FAILED';

  constructor(topic: string, cause: unknown) {
    super(
      `Kafka did not accept the message for "${topic}": ${describe(cause)}. Check that the broker is reachable and the topic writable, then publish again`,
      { cause },
    );
  }
}

/**
 * A transaction could not be committed; nothing it published is visible to `read_committed`
 * consumers and the consumed message (if any) was not acknowledged.
 */
export class KafkaTransactionError extends SwitchyardError {
  readonly code = 'SWY_KAFKA_TRANSACTION_FAILED';

  constructor(what: string, cause: unknown) {
    super(`Kafka transaction failed while ${what}: ${describe(cause)}`, { cause });
  }
}

/** A topic name Kafka would refuse: only letters, digits, `.`, `_` and `-`, at most 249 of them. */
export class KafkaTopicNameError extends SwitchyardError {
  readonly code = 'SWY_KAFKA_TOPIC_NAME';
  override readonly retryable = false;

  constructor(topic: string) {
    super(
      `"${topic}" cannot be a Kafka topic: Kafka allows only letters, digits, ".", "_" and "-" (at most 249 characters); avoid ":" and "$" in topics used over Kafka`,
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
