import { type OutgoingMessage, UnknownQueueError } from '@switchyard/core';
import type { DeadLetterScripts } from './dead-letter-scripts';
import { toTransportError } from './errors';
import { toFields } from './headers';
import type { RedisTopology } from './topology';

/** What a redelivery needs. */
export interface RedeliveryContext {
  readonly scripts: DeadLetterScripts;
  readonly topology: RedisTopology;
  /** Trim of the queue's stream, as for retried copies moved there (`maxLen`). */
  readonly maxLen: number;
}

/**
 * Delivers `message` to `queue` alone, as a first attempt: a copy with `topic` and `attempt 1`
 * appended to the queue's own retry stream `<namespace>queue:<queue>`, which only the queue's group
 * reads — where a retry lands once due, minus the wait. Resolves once Redis has appended it;
 * throws `UnknownQueueError` when the queue's group does not exist on that stream (never
 * subscribed, or forgotten), rather than leave a message nobody would read.
 */
export async function redeliver(
  context: RedeliveryContext,
  queue: string,
  message: OutgoingMessage,
): Promise<void> {
  const { scripts, topology, maxLen } = context;
  const stream = topology.queueStream(queue);
  const fields = toFields(message, { topic: message.topic, attempt: 1 });
  let added: boolean;
  try {
    added = await scripts.redeliver(stream, queue, maxLen, fields);
  } catch (error) {
    throw toTransportError(error, `redeliver message ${message.id} to "${queue}"`);
  }
  if (!added) {
    throw new UnknownQueueError(
      `Cannot redeliver to "${queue}": Redis has no group "${queue}" on ${stream}; was the queue ever subscribed under namespace "${topology.namespace}"?`,
    );
  }
}
