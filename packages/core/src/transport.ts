import type { InboundMessage, MessageHeaders, OutgoingMessage } from './message';

/**
 * What a transport can do natively. The conformance suite skips the cases a transport declares it
 * cannot do, printing why; nothing is emulated behind a `true`.
 */
export interface TransportCapabilities {
  /** `publish` with `delayMs` and retry with backoff without blocking the queue. */
  readonly delayedDelivery: boolean;
  /** `priority` on publish is honoured: a backlog is served most urgent first. */
  readonly priority: boolean;
  /** Messages with one `key` reach a queue's handler in publish order, one at a time. */
  readonly keyOrdering: boolean;
  /** Implements `TransactionalTransport`: exactly-once consume → produce → ack. */
  readonly transactions: boolean;
  /** A publish marked `mandatory` to a topic nobody subscribes to fails with `NoRouteError`. */
  readonly unroutableDetection: boolean;
  /** Messages survive a restart of the broker. */
  readonly persistent: boolean;
}

/** How a subscription acknowledges: after the handler (at-least-once) or before it (at-most-once). */
export type AckMode = 'after-handler' | 'before-handler';

/** Everything a transport needs to consume one queue. */
export interface SubscriptionSpec {
  /**
   * The durable destination one handler consumes from. Instances subscribing the same queue
   * compete (each message goes to one of them); different queues each get their own copy.
   */
  readonly queue: string;
  /**
   * `Class.method` of the handler, for the `swy-dlq-handler` header of dead letters the transport
   * writes itself (past a native redelivery limit). Set by Switchyard apps.
   */
  readonly handler?: string;
  /** Topic patterns bound to the queue (`*` one word, `#` zero or more). */
  readonly patterns: readonly string[];
  /** Most messages handled at once by this instance. */
  readonly concurrency: number;
  /** Most messages fetched ahead and not yet settled (≥ concurrency). */
  readonly prefetch: number;
  readonly ackMode: AckMode;
  /** Highest delivery attempt; transports with a native redelivery limit map it there. */
  readonly maxAttempts: number;
  /** Serve messages with one key one at a time, in order. */
  readonly ordered: boolean;
  /** Declare the queue with priorities 0..maxPriority (0 = no priority queue). */
  readonly maxPriority: number;
  /** Transport-specific options given on `@Consumer({ transportOptions })`. */
  readonly transportOptions: Readonly<Record<string, unknown>>;
}

/** Acknowledge: the message is done. */
export interface AckSettlement {
  readonly kind: 'ack';
}

/** Deliver the message to this queue again after `delayMs`, with `attempt + 1`. */
export interface RetrySettlement {
  readonly kind: 'retry';
  readonly delayMs: number;
  /** Headers to add to the redelivered copy (e.g. the first failure time). */
  readonly headers: MessageHeaders;
}

/**
 * Move the message to the queue's dead-letter destination with `headers` added; acknowledge the
 * original only once the dead letter is safely stored, so a failed move means a redelivery.
 */
export interface DeadLetterSettlement {
  readonly kind: 'dead-letter';
  readonly headers: MessageHeaders;
}

/** What should become of a delivered message: the pipeline's verdict, applied by the transport. */
export type Settlement = AckSettlement | RetrySettlement | DeadLetterSettlement;

/** The one `ack` settlement; reused so the hot path does not allocate it. */
export const ACK: AckSettlement = Object.freeze({ kind: 'ack' });

/**
 * Called by the transport for every delivered message; the transport applies the settlement it
 * returns. A plain `Settlement` means the message is settled now (the handler finished
 * synchronously): apply it at once, without waiting a turn. A promise is returned otherwise, and it
 * never rejects. Neither shape throws.
 */
export type DeliveryHandler = (message: InboundMessage) => Settlement | Promise<Settlement>;

/** A running subscription. */
export interface Subscription {
  /**
   * Stops fetching, waits until every message already delivered has been settled, and releases
   * the consumer. Messages not yet delivered stay in the broker for other instances.
   */
  close(): Promise<void>;
}

/** Called with every reply that reaches this instance's reply inbox. */
export type ReplyHandler = (reply: InboundMessage) => void;

/** Options of a single publish. */
export interface TransportPublishOptions {
  /** Fail with `NoRouteError` when nobody subscribes (where `unroutableDetection` is true). */
  readonly mandatory?: boolean;
}

/**
 * A broker binding. Small on purpose: every broker implements it and passes the conformance suite
 * from `@switchyard/testing`; optional abilities are separate interfaces with type guards.
 */
export interface Transport {
  /** Short name for logs and metrics, e.g. `rabbitmq`. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  /** Opens connections. Idempotent. */
  connect(): Promise<void>;
  /** Resolves once the broker has accepted the message (confirmed, where the broker confirms). */
  publish(message: OutgoingMessage, options?: TransportPublishOptions): Promise<void>;
  /** Declares the queue and its bindings (idempotently) and starts delivering to `handler`. */
  subscribe(spec: SubscriptionSpec, handler: DeliveryHandler): Promise<Subscription>;
  /**
   * Opens this instance's reply inbox and returns its address, which requests carry in their
   * `reply-to` header. Called at most once per connection.
   */
  openReplyInbox(onReply: ReplyHandler): Promise<string>;
  /** Sends an RPC reply to an address taken from a request's `reply-to` header. */
  reply(address: string, message: OutgoingMessage): Promise<void>;
  /** Closes subscriptions (draining them) and connections. Idempotent. */
  close(): Promise<void>;
}
