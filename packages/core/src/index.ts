import 'reflect-metadata';

export { Consumer } from './decorators/consumer.decorator';
export { Subscribe } from './decorators/subscribe.decorator';
export { RpcHandler } from './decorators/rpc-handler.decorator';
export { Retry } from './decorators/retry.decorator';
export { Idempotent } from './decorators/idempotent.decorator';
export {
  SchemaVersion,
  Upcast,
  type Upcaster,
  schemaVersionOf,
} from './decorators/upcast.decorator';
export { isConsumerClass } from './decorators/metadata';
export type {
  BackoffOptions,
  ConsumerOptions,
  DeliveryGuarantee,
  HandlerOptions,
  IdempotencyKeyFn,
  IdempotentOptions,
  RetryOptions,
  Type,
} from './decorators/metadata';
export {
  injectable as Injectable,
  inject as Inject,
  container as rootContainer,
  type DependencyContainer,
} from 'tsyringe';

export { Switchyard, type SwitchyardState } from './switchyard';
export type { SwitchyardOptions } from './options';
export { type ServiceDefinition, defineService } from './service-definition';
export { MessageBus, type TransactionPublisher } from './message-bus';
export type { PublishOptions, RequestOptions } from './publish-options';
export { MessageContext, type HandlerOutcome, type HandlerIdentity } from './message-context';
export type { HandlerRoute } from './routes';
export type { HealthReport } from './http-endpoint';

export type { InboundMessage, OutgoingMessage, MessageHeaders } from './message';
export { Headers, DeadLetterHeaders, FIRST_FAILURE_HEADER, JSON_CONTENT_TYPE } from './headers';
export { type Codec, JsonCodec } from './codec';
export {
  ACK,
  type AckMode,
  type AckSettlement,
  type DeadLetterSettlement,
  type DeliveryHandler,
  type TransportPublishOptions,
  type ReplyHandler,
  type RetrySettlement,
  type Settlement,
  type Subscription,
  type SubscriptionSpec,
  type Transport,
  type TransportCapabilities,
} from './transport';
export {
  type DeadLetter,
  type DeadLetterAccess,
  type DeadLetterAdmin,
  type LoggingTransport,
  acceptsLogger,
  hasDeadLetterAccess,
  hasDeadLetterAdmin,
  type QueueSizeProbe,
  type TransactionalTransport,
  type TransportTransaction,
  hasQueueSizeProbe,
  isTransactional,
} from './transport-abilities';
export {
  type TransportFactory,
  type TransportPlugin,
  createTransport,
  installedSchemes,
  registerTransport,
} from './transport-registry';
export {
  type TopicMatcher,
  assertValidPattern,
  assertValidTopic,
  compilePattern,
  isWildcard,
  matchesPattern,
} from './topic-matcher';

export {
  type DeadLetterSummary,
  freshAttempt,
  replayDeadLetters,
  summarizeDeadLetter,
} from './dead-letters';
export { type Middleware, type Next, compose } from './pipeline/middleware';
export { DEFAULT_RETRY, backoffDelay } from './failure-policy';
export { type ClaimResult, type IdempotencyStore } from './idempotency/idempotency-store';
export { MemoryIdempotencyStore } from './idempotency/memory-idempotency-store';
export { SwitchyardMetrics, QueueMetrics, type ProcessingStatus } from './metrics';
export { ConsoleLogger, type Logger, TransportLogger, silentLogger } from './logger';
export * from './errors';
