import type { Logger } from './logger';
import type { InboundMessage, OutgoingMessage } from './message';
import type { Transport } from './transport';

/** A unit of work whose publishes become visible all together, or not at all. */
export interface TransportTransaction {
  publish(message: OutgoingMessage): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A transport with broker transactions (Kafka). When `consumed` is given, committing the
 * transaction also acknowledges that message (consume → produce → commit in one step); the
 * transport must then treat the message's later `ack` settlement as already done.
 */
export interface TransactionalTransport extends Transport {
  beginTransaction(consumed?: InboundMessage): Promise<TransportTransaction>;
}

/** Whether a transport supports transactions. */
export function isTransactional(transport: Transport): transport is TransactionalTransport {
  return (
    transport.capabilities.transactions &&
    typeof (transport as Partial<TransactionalTransport>).beginTransaction === 'function'
  );
}

/** A transport that can tell how many messages wait in a queue (for the `queue_size` gauge). */
export interface QueueSizeProbe {
  /** Messages ready in the queue, or `undefined` when the broker does not know the queue. */
  queueSize(queue: string): Promise<number | undefined>;
}

/** Whether a transport reports queue sizes. */
export function hasQueueSizeProbe(transport: Transport): transport is Transport & QueueSizeProbe {
  return typeof (transport as Partial<QueueSizeProbe>).queueSize === 'function';
}

/** A message in a dead-letter destination, with its original topic, body and headers. */
export interface DeadLetter {
  /** The original message id. */
  readonly id: string;
  /** The topic it was published to (also in the `swy-dlq-original-topic` header). */
  readonly topic: string;
  readonly key: string | undefined;
  /** Original headers plus the `DeadLetterHeaders` saying why it is here. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The priority it was published with, where the broker keeps one (a replay keeps it too). */
  readonly priority?: number;
}

/** A transport whose dead letters can be read (the conformance suite and `switchyard dlq` need it). */
export interface DeadLetterAccess {
  /** Up to `limit` dead letters of `queue`, oldest first, without removing them. */
  peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]>;
}

/**
 * Full management of dead letters, for `switchyard dlq`: besides reading them, put one back into
 * its queue and remove them.
 */
export interface DeadLetterAdmin extends DeadLetterAccess {
  /**
   * Delivers `message` to `queue` alone — not to the other subscribers of its topic — as a first
   * attempt. Resolves once the broker has accepted it.
   */
  redeliver(queue: string, message: OutgoingMessage): Promise<void>;
  /** Removes the dead letters of `queue` with these message ids; resolves to how many were removed. */
  deleteDeadLetters(queue: string, ids: readonly string[]): Promise<number>;
  /** Removes every dead letter of `queue`; resolves to how many were removed. */
  purgeDeadLetters(queue: string): Promise<number>;
  /** Queues that have a dead-letter destination, where the broker can list them; else `undefined`. */
  listDeadLetterQueues(): Promise<string[] | undefined>;
}

/** Whether a transport lets its dead letters be managed. */
export function hasDeadLetterAdmin(transport: Transport): transport is Transport & DeadLetterAdmin {
  const admin = transport as Partial<DeadLetterAdmin>;
  return (
    hasDeadLetterAccess(transport) &&
    typeof admin.redeliver === 'function' &&
    typeof admin.deleteDeadLetters === 'function' &&
    typeof admin.purgeDeadLetters === 'function' &&
    typeof admin.listDeadLetterQueues === 'function'
  );
}

/** Whether a transport lets its dead letters be read. */
export function hasDeadLetterAccess(
  transport: Transport,
): transport is Transport & DeadLetterAccess {
  return typeof (transport as Partial<DeadLetterAccess>).peekDeadLetters === 'function';
}

/**
 * A transport with something to say (reconnects, client-library warnings): the app hands it its
 * logger before connecting, so everything lands where the app's own lines do.
 */
export interface LoggingTransport {
  useLogger(logger: Logger): void;
}

/** Whether a transport takes the app's logger. */
export function acceptsLogger(transport: Transport): transport is Transport & LoggingTransport {
  return typeof (transport as Partial<LoggingTransport>).useLogger === 'function';
}
