import type { InboundMessage } from '@switchyard/core';
import type { PartitionTracker } from './partition-tracker';

/**
 * Where a fetched record is in its life:
 * - `waiting`: a retry or delayed copy whose time has not come;
 * - `queued`: behind an earlier record with its key;
 * - `ready`: free to run, waiting for a handler slot;
 * - `running`: in the handler (or applying its settlement);
 * - `held`: an ordered retry waiting out its backoff, keeping its key's place;
 * - `done`: settled; its offset may be committed;
 * - `dropped`: fetched but given back on close (another instance will get it).
 */
export type DeliveryState =
  'waiting' | 'queued' | 'ready' | 'running' | 'held' | 'done' | 'dropped';

/**
 * Where a delivered message keeps its delivery, so that a transaction finds the offset it
 * commits (a property rather than a WeakMap entry: far cheaper for the garbage collector).
 */
export const DELIVERY = Symbol('switchyard.kafka.delivery');

/** The delivery of a message this transport handed to a handler, if it is one. */
export function deliveryOf(message: InboundMessage): Delivery | undefined {
  return (message as InboundMessage & { [DELIVERY]?: Delivery })[DELIVERY];
}

/** One fetched record and the bookkeeping of its delivery. */
export class Delivery {
  state: DeliveryState = 'queued';
  /** Its offset may be committed (settled, or acknowledged before the handler). */
  acked = false;
  /** Committed by a transaction (exactly-once): its `ack` settlement needs no commit of its own. */
  committedInTransaction = false;
  timer: NodeJS.Timeout | undefined = undefined;
  /** What the handler gets; replaced by each redelivery of an ordered retry. */
  message!: InboundMessage;

  constructor(
    readonly tracker: PartitionTracker,
    readonly offset: number,
    /** Epoch ms before which it must not run; 0 when due at once. */
    readonly deliverAt: number,
  ) {}

  get key(): string | undefined {
    return this.message.key;
  }
}
