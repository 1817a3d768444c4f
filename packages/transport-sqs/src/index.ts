import { registerTransport } from '@switchyard/core';
import { SqsTransport } from './transport';
import { parseSqsUrl } from './url';

export { SqsTransport, SQS_CAPABILITIES } from './transport';
export {
  DEFAULT_TOPIC,
  type ResolvedSqsOptions,
  type SqsCredentials,
  type SqsTransportOptions,
  resolveOptions,
} from './options';
export { parseSqsUrl } from './url';
export { type QueueNames, queueNames } from './names';
export { SqsAttributes } from './attributes';
export { type TopicFilter, topicFilter } from './filter-policy';
export { MAX_DELAY_MS, MAX_MESSAGE_BYTES } from './record';
export { REDRIVE_REASON } from './dead-letters';
export type { SubscriptionSettings } from './subscription-settings';
export { DelayTooLongError, SqsEntryFailedError } from './errors';

/** `sqs://[accessKeyId:secretAccessKey@][region][?endpoint=…]` — see `parseSqsUrl`. */
registerTransport({
  schemes: ['sqs'],
  packageName: '@switchyard/sqs',
  create: (url) => new SqsTransport(parseSqsUrl(url)),
});
