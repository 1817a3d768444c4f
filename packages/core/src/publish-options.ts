import type { InboundMessage, MessageHeaders } from './message';

/** Options of `MessageBus.publish` and `send`. */
export interface PublishOptions {
  /** Ordering key: one key is handled in order where the transport promises key ordering. */
  readonly key?: string;
  /** Extra headers; they override Switchyard's own except the message id. */
  readonly headers?: MessageHeaders;
  /** Larger is more urgent (0–9 is portable). */
  readonly priority?: number;
  /** Deliver no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
  /** Message id; default a random UUID. Reuse one to let `@Idempotent` drop the duplicate. */
  readonly messageId?: string;
  /** Correlation id; default the message's own id (or the parent's, from `ctx.publish`). */
  readonly correlationId?: string;
}

/** Options of `MessageBus.request`. */
export interface RequestOptions extends Omit<PublishOptions, 'delayMs'> {
  /** How long to wait for the reply. Default 5 000. */
  readonly timeoutMs?: number;
}

/** The part of the bus a `MessageContext` needs. */
export interface MessagePublisher {
  publishFrom(
    parent: InboundMessage,
    topic: string,
    payload: unknown,
    options?: PublishOptions,
  ): Promise<void>;
}
