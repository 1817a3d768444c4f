import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { Codec } from './codec';
import type { Type } from './decorators/metadata';
import { schemaVersionOf } from './decorators/upcast.decorator';
import { CapabilityNotSupportedError } from './errors';
import { Headers } from './headers';
import type { InboundMessage, MessageHeaders, OutgoingMessage } from './message';
import type { SwitchyardMetrics } from './metrics';
import type { MessagePublisher, PublishOptions, RequestOptions } from './publish-options';
import type { RpcClient } from './rpc-client';
import { namespaced } from './routes';
import { assertValidTopic } from './topic-matcher';
import type { Transport } from './transport';
import {
  type TransactionalTransport,
  type TransportTransaction,
  isTransactional,
} from './transport-abilities';
import { childTraceparent, rootTraceparent } from './traceparent';

/** Publishes inside `bus.transaction(…)`: all of them become visible on commit, or none. */
export interface TransactionPublisher {
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
}

/** Collaborators of the bus, created by the app. */
export interface MessageBusDeps {
  readonly transport: Transport;
  readonly codec: Codec;
  readonly rpc: RpcClient;
  readonly metrics: SwitchyardMetrics;
  /** Default timeout of `request`. */
  readonly requestTimeoutMs: number;
  /** Prefix of every topic published (see `SwitchyardOptions.namespace`). */
  readonly namespace: string | undefined;
}

/** Injection token of the bus's collaborators. */
export const MESSAGE_BUS_DEPS = Symbol('switchyard:message-bus-deps');

const DEFAULT_OPTIONS: PublishOptions = {};

/**
 * Publishes events, sends commands and makes requests. Injectable into consumers and services.
 * Inside an exactly-once handler, publishes join the handler's transaction.
 */
@injectable()
export class MessageBus implements MessagePublisher {
  private readonly transactionScope = new AsyncLocalStorage<TransportTransaction>();

  constructor(@inject(MESSAGE_BUS_DEPS) private readonly deps: MessageBusDeps) {}

  /** Publishes an event to every group subscribed to a matching pattern. */
  publish(
    topic: string,
    payload: unknown,
    options: PublishOptions = DEFAULT_OPTIONS,
  ): Promise<void> {
    return this.dispatch(this.createMessage(topic, payload, options, undefined), false);
  }

  /**
   * Sends a command: a publish that must reach a subscriber. Where the transport can tell
   * (`capabilities.unroutableDetection`), a topic nobody consumes fails with `NoRouteError`.
   */
  send(topic: string, payload: unknown, options: PublishOptions = DEFAULT_OPTIONS): Promise<void> {
    return this.dispatch(this.createMessage(topic, payload, options, undefined), true);
  }

  /**
   * Sends a request to the `@RpcHandler` of `topic` and resolves with its reply. Rejects with
   * `RpcTimeoutError` after `timeoutMs` (default 5 s), `RpcRemoteError` when the handler failed,
   * or `NoRouteError` when the transport knows nobody handles the topic.
   */
  async request<R = unknown>(
    topic: string,
    payload: unknown,
    options: RequestOptions = {},
  ): Promise<R> {
    const replyTo = await this.deps.rpc.replyAddress();
    const message = this.createMessage(topic, payload, options, undefined);
    message.headers[Headers.replyTo] = replyTo;
    const timeoutMs = options.timeoutMs ?? this.deps.requestTimeoutMs;
    const correlationId = message.headers[Headers.correlationId] ?? message.id;
    return this.deps.rpc.call<R>(topic, correlationId, timeoutMs, () =>
      this.deps.transport.publish(message, { mandatory: true }),
    );
  }

  /**
   * Runs `work` in a broker transaction: its publishes become visible together when it resolves,
   * or not at all when it throws. Needs a transport with `capabilities.transactions`.
   */
  async transaction<T>(work: (tx: TransactionPublisher) => Promise<T>): Promise<T> {
    const transaction = await this.transactional().beginTransaction();
    const publisher: TransactionPublisher = {
      publish: (topic, payload, options = DEFAULT_OPTIONS) =>
        transaction.publish(this.createMessage(topic, payload, options, undefined)),
    };
    let result: T;
    try {
      result = await work(publisher);
    } catch (error) {
      await transaction.abort();
      throw error;
    }
    await transaction.commit();
    return result;
  }

  /** Publishes in the conversation of `parent` (see `MessageContext.publish`). */
  publishFrom(
    parent: InboundMessage,
    topic: string,
    payload: unknown,
    options: PublishOptions = DEFAULT_OPTIONS,
  ): Promise<void> {
    return this.dispatch(this.createMessage(topic, payload, options, parent), false);
  }

  /** Runs `work` with every publish of this bus joining `transaction` (exactly-once handlers). */
  runInTransaction<T>(transaction: TransportTransaction, work: () => Promise<T>): Promise<T> {
    return this.transactionScope.run(transaction, work);
  }

  /** Builds the envelope of a publish; exposed for transports' and tools' tests. */
  createMessage(
    topic: string,
    payload: unknown,
    options: PublishOptions,
    parent: InboundMessage | undefined,
  ): OutgoingMessage & { headers: MessageHeaders } {
    assertValidTopic(topic);
    if (this.deps.namespace !== undefined) topic = namespaced(this.deps.namespace, topic);
    // An id made here is a UUID; a producer-chosen one is checked before traces are cut from it.
    const generated = options.messageId === undefined;
    const id = options.messageId ?? randomUUID();
    const headers: MessageHeaders = {
      [Headers.contentType]: this.deps.codec.contentType,
      [Headers.correlationId]:
        options.correlationId ?? parent?.headers[Headers.correlationId] ?? parent?.id ?? id,
      [Headers.traceparent]: parent
        ? childTraceparent(parent.headers[Headers.traceparent], id, generated)
        : rootTraceparent(id, generated),
    };
    if (parent) headers[Headers.causationId] = parent.id;
    const version = versionOf(payload);
    if (version !== undefined) headers[Headers.schemaVersion] = String(version);
    if (options.headers) Object.assign(headers, options.headers);
    return {
      id,
      topic,
      key: options.key,
      headers,
      body: this.deps.codec.encode(payload),
      timestamp: Date.now(),
      priority: options.priority,
      delayMs: options.delayMs,
    };
  }

  private dispatch(message: OutgoingMessage, mandatory: boolean): Promise<void> {
    this.deps.metrics.publishedCount++;
    const transaction = this.transactionScope.getStore();
    if (transaction) return transaction.publish(message);
    return this.deps.transport.publish(message, mandatory ? { mandatory } : undefined);
  }

  private transactional(): TransactionalTransport {
    const { transport } = this.deps;
    if (!isTransactional(transport)) {
      throw new CapabilityNotSupportedError(
        `Transport "${transport.name}" has no transactions; use @Idempotent for effectively-once handling`,
      );
    }
    return transport;
  }
}

function versionOf(payload: unknown): number | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const ctor = payload.constructor;
  if (ctor === Object || ctor === Array || ctor === undefined) return undefined;
  const version = schemaVersionOf(ctor as Type);
  return version === 1 ? undefined : version;
}
