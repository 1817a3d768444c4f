/** Message headers: string keys and string values, as every broker can carry them. */
export type MessageHeaders = Record<string, string>;

/** A message on its way to the broker, as `Transport.publish` receives it. */
export interface OutgoingMessage {
  /** Unique id; transports map it to the broker's native message id where there is one. */
  readonly id: string;
  /** Dotted routing key, e.g. `orders.created`. */
  readonly topic: string;
  /** Ordering key: messages with one key are handled in order where the broker can promise it. */
  readonly key: string | undefined;
  readonly headers: MessageHeaders;
  /** Encoded payload. */
  readonly body: Buffer;
  /** Epoch milliseconds when it was published. */
  readonly timestamp: number;
  /** Larger is more urgent (0–9 is portable). Ignored where `capabilities.priority` is false. */
  readonly priority: number | undefined;
  /** Deliver no earlier than this many milliseconds from now. */
  readonly delayMs: number | undefined;
}

/** A message delivered by the transport to a subscription. */
export interface InboundMessage extends OutgoingMessage {
  /** 1 for the first delivery, incremented by every redelivery (retry, crash, reconnect). */
  readonly attempt: number;
  /** Name of the queue (subscription) it was delivered to. */
  readonly queue: string;
}
