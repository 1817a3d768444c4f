import type { Channel } from 'amqplib';
import { deadLetterId } from './dead-letters';

/**
 * Removes the messages of `queue` whose dead-letter id is in `ids` and keeps every other one in
 * its place. AMQP has no delete-by-id, so this reads through the queue: `basic.get` without ack,
 * as many times as the queue held messages at the start (O(depth) round trips), acknowledging
 * each message to remove and holding every other one unacknowledged.
 *
 * The held messages must not be given back one by one: RabbitMQ puts a requeued message back at
 * the head of the queue, where the next `basic.get` would read it again. They go back all at once
 * when the caller closes `channel`, each to its original position (a classic queue orders
 * requeued messages by their place in it). If the process dies midway, the broker closes the
 * channel the same way: what was acknowledged is removed, nothing else is lost or reordered.
 *
 * Resolves to how many acknowledgements were sent; the caller confirms them by closing `channel`.
 */
export async function deleteFromQueue(
  channel: Channel,
  queue: string,
  ids: ReadonlySet<string>,
): Promise<number> {
  const { messageCount } = await channel.checkQueue(queue);
  if (ids.size === 0) return 0;
  let removed = 0;
  // Messages dead-lettered during the scan queue up behind these and are left alone.
  for (let read = 0; read < messageCount; read++) {
    const message = await channel.get(queue, { noAck: false });
    if (message === false) break;
    if (ids.has(deadLetterId(message))) {
      channel.ack(message);
      removed++;
    }
  }
  return removed;
}
