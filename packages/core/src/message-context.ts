import type { InboundMessage, MessageHeaders } from './message';
import type { MessagePublisher, PublishOptions } from './publish-options';

/** How a handler ended its message on purpose, instead of by returning or throwing. */
export type HandlerOutcome =
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'retry-later'; readonly delayMs: number; readonly reason: string };

/** What a pipeline knows about the handler it runs. */
export interface HandlerIdentity {
  /** `Class.method`. */
  readonly name: string;
  /** The queue it consumes. */
  readonly queue: string;
}

/**
 * Everything about one delivery that a handler or middleware may need. One instance per message;
 * middlewares pass it along the pipeline.
 */
export class MessageContext<T = unknown> {
  /** The decoded payload: raw JSON after decode, an instance of the schema after validation. */
  payload: T = undefined as T;
  /** The handler's return value; for RPC handlers, the reply. */
  result: unknown = undefined;
  /** Set by `skip`, `reject` or `retryLater`. */
  outcome: HandlerOutcome | undefined = undefined;

  constructor(
    /** The message as the transport delivered it. */
    readonly message: InboundMessage,
    readonly handler: HandlerIdentity,
    private readonly publisher: MessagePublisher,
  ) {}

  get topic(): string {
    return this.message.topic;
  }

  get key(): string | undefined {
    return this.message.key;
  }

  get headers(): MessageHeaders {
    return this.message.headers;
  }

  /** 1 for the first delivery. */
  get attempt(): number {
    return this.message.attempt;
  }

  /**
   * Publishes a follow-up event in this message's conversation: correlation id and trace are
   * carried over and the causation id is this message's id. Inside an exactly-once handler it
   * joins the handler's transaction.
   */
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void> {
    return this.publisher.publishFrom(this.message, topic, payload, options);
  }

  /** Acknowledge without further processing (counted as `skipped`). */
  skip(reason = 'skipped by handler'): void {
    this.outcome = { kind: 'skip', reason };
  }

  /** Dead-letter the message now, with `reason`, without retrying. */
  reject(reason: string): void {
    this.outcome = { kind: 'reject', reason };
  }

  /** Deliver the message again after `delayMs` (counts as an attempt). */
  retryLater(delayMs: number, reason = 'retry requested by handler'): void {
    this.outcome = { kind: 'retry-later', delayMs, reason };
  }
}
