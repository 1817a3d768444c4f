import {
  type DeadLetter,
  NoRouteError,
  type OutgoingMessage,
  TransportUnavailableError,
  UnknownQueueError,
} from '@switchyard/core';
import type { Channel } from 'amqplib';
import { deleteFromQueue } from './dead-letter-deletion';
import { peekQueue } from './dead-letters';
import { listVhostQueues, queuesWithDeadLetters } from './management-api';
import type { RabbitMqOptions } from './options';
import type { Publisher } from './publisher';
import { deadLetterQueueName } from './topology';

/**
 * The dead letters of the transport's queues, each in `<queue>.dlq`: read, put back, removed. Every
 * operation runs on a channel of its own, closed when it is done.
 */
export class DeadLetterQueues {
  constructor(
    private readonly openChannel: () => Promise<Channel>,
    private readonly publisher: Publisher,
    private readonly options: RabbitMqOptions,
  ) {}

  /** Up to `limit` dead letters, oldest first, left in place; none when the DLQ does not exist. */
  async peek(queue: string, limit: number): Promise<DeadLetter[]> {
    const channel = await this.openChannel();
    try {
      return await peekQueue(channel, deadLetterQueueName(queue), limit);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    } finally {
      // Closing the channel is what puts the peeked messages back.
      await channel.close().catch(() => undefined);
    }
  }

  /** Publishes `message` into `queue` alone as a first attempt; resolves once confirmed. */
  async redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    try {
      await this.publisher.redeliver(queue, message);
    } catch (error) {
      if (!(error instanceof NoRouteError)) throw error;
      throw new UnknownQueueError(
        `RabbitMQ has no queue "${queue}" to put the message back into; start its consumer (which declares it) or replay to the topic instead`,
        { cause: error },
      );
    }
  }

  /** Removes the dead letters with these ids, reading through the whole DLQ (see the README). */
  async delete(queue: string, ids: readonly string[]): Promise<number> {
    const dlq = deadLetterQueueName(queue);
    const channel = await this.openChannel();
    let removed: number;
    try {
      removed = await deleteFromQueue(channel, dlq, new Set(ids));
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw unknownQueue(error, dlq);
    }
    try {
      // RabbitMQ answers close-ok after the acks sent before it: then the removals are done, and
      // the messages held during the scan are back in their places.
      await channel.close();
    } catch (error) {
      throw new TransportUnavailableError(
        `The channel to RabbitMQ closed while removing dead letters from "${dlq}"; some may not be removed, list them again`,
        { cause: error },
      );
    }
    return removed;
  }

  /** Removes every dead letter not being read at this moment; resolves to how many. */
  async purge(queue: string): Promise<number> {
    const dlq = deadLetterQueueName(queue);
    const channel = await this.openChannel();
    try {
      return (await channel.purgeQueue(dlq)).messageCount;
    } catch (error) {
      throw unknownQueue(error, dlq);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * The queues declared by Switchyard (dead-lettering to `<queue>.dlq`) whose DLQ exists, sorted;
   * `undefined` without a management API to ask, since AMQP cannot list queues.
   */
  async list(): Promise<string[] | undefined> {
    const { managementUrl, url } = this.options;
    if (managementUrl === undefined) return undefined;
    return queuesWithDeadLetters(await listVhostQueues(managementUrl, url));
  }
}

function unknownQueue(error: unknown, queue: string): unknown {
  if (!isNotFound(error)) return error;
  return new UnknownQueueError(
    `RabbitMQ has no queue "${queue}"; check the queue name (<group>.<method>)`,
    { cause: error },
  );
}

/**
 * RabbitMQ closes the channel with 404 NOT_FOUND when the queue does not exist; amqplib rejects
 * with an error carrying `code`, or — for some operations — with the channel.close frame itself.
 */
function isNotFound(error: unknown): boolean {
  const failure = error as { code?: unknown; fields?: { replyCode?: unknown } } | undefined;
  return failure?.code === 404 || failure?.fields?.replyCode === 404;
}
