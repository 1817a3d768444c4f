import { registerTransport } from '@switchyard/core';
import { RabbitMqTransport } from './transport';

export { RabbitMqTransport, RABBITMQ_CAPABILITIES } from './transport';
export { type RabbitMqOptions, DEFAULT_OPTIONS, parseOptions } from './options';
export { type QueueType, type RabbitMqQueueOptions, queueOptions } from './queue-settings';
export { AmqpHeaders } from './headers';
export { DELAY_BUCKETS, MAX_BUCKET_MS, MIN_BUCKET_MS, delayBucket } from './delay-buckets';
export {
  DELAY_HEADER,
  type DelayKind,
  deadLetterQueueName,
  delayExchangeName,
  delayQueueName,
  queueArguments,
} from './topology';
export { deleteTopology, type TopologyToDelete } from './admin';
export {
  DelayOutOfRangeError,
  ManagementApiError,
  PublishRejectedError,
  TopologyConflictError,
} from './errors';

/** `amqp://` and `amqps://` URLs create a `RabbitMqTransport`. */
registerTransport({
  schemes: ['amqp', 'amqps'],
  packageName: '@switchyard/rabbitmq',
  create: (url) => new RabbitMqTransport(url),
});
