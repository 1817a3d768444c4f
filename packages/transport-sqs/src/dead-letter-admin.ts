import { ListQueueTagsCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { type DeadLetter, type OutgoingMessage, UnknownQueueError } from '@switchyard/core';
import { isQueueMissing } from './aws-errors';
import type { AwsClients } from './clients';
import { deleteDeadLetters, purgeDeadLetters } from './dead-letter-removal';
import { peekDeadLetters } from './dead-letters';
import { fifoId, queueNames } from './names';
import type { ResolvedSqsOptions } from './options';
import type { SqsPublisher } from './publisher';
import type { QueueClient } from './queue-client';
import { toRecord } from './record';
import { DeadLetterTags, type QueueUrls, type SqsTopology } from './topology';

/** What the dead-letter operations work with. */
export interface DeadLetterDeps {
  readonly clients: AwsClients;
  readonly topology: SqsTopology;
  readonly publisher: SqsPublisher;
  /** The batched operations on a queue, by URL. */
  readonly queue: (url: string) => QueueClient;
  readonly options: ResolvedSqsOptions;
}

/**
 * The dead letters of the transport's queues, each in `<queue>-dlq`: read, put back, removed and
 * listed (`DeadLetterAdmin`, for `switchyard dlq`).
 */
export class DeadLetterQueues {
  private readonly tags = new Map<string, Readonly<Record<string, string>>>();

  constructor(private readonly deps: DeadLetterDeps) {}

  /** Up to `limit` letters, oldest first, left in place; none when the queue does not exist. */
  async peek(queue: string, limit: number): Promise<DeadLetter[]> {
    const urls = await this.deps.topology.lookup(queue);
    if (!urls) return [];
    const handler = (await this.tagsOf(queue, urls))[DeadLetterTags.handler];
    return peekDeadLetters(this.deps.queue(urls.deadLetterUrl), queue, limit, handler);
  }

  /**
   * Sends `message` straight into the queue (not through SNS, so no other queue gets it), as a
   * new SQS message: its attempt starts again at 1.
   */
  async redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    const urls = await this.existing(queue);
    const record = toRecord(message);
    // A FIFO queue would drop it as a duplicate of the original publish within 5 minutes.
    const deduplicationId = fifoId(`${message.id}:redelivered:${Date.now()}`);
    await this.deps.publisher.sendToQueue(urls.url, { ...record, deduplicationId }, urls.fifo);
  }

  /** Removes the letters with these message ids, scanning the `-dlq` queue. */
  async delete(queue: string, ids: readonly string[]): Promise<number> {
    const urls = await this.existing(queue);
    return deleteDeadLetters(this.deps.queue(urls.deadLetterUrl), ids);
  }

  /** Removes every letter not hidden by a read in progress; resolves to how many. */
  async purge(queue: string): Promise<number> {
    const urls = await this.existing(queue);
    return purgeDeadLetters(this.deps.queue(urls.deadLetterUrl));
  }

  /**
   * The Switchyard queues whose `-dlq` queue exists under the transport's prefix, sorted, read
   * from the `switchyard:queue` tag (SQS names cannot be mapped back to dotted queue names).
   */
  async list(): Promise<string[]> {
    const queues = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await this.deps.clients.sqs.send(
        new ListQueuesCommand({
          QueueNamePrefix: this.deps.options.queuePrefix || undefined,
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
      for (const url of page.QueueUrls ?? []) {
        if (!/-dlq(\.fifo)?$/.test(url)) continue;
        const queue = (await this.urlTags(url))[DeadLetterTags.queue];
        if (queue !== undefined) queues.add(queue);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return [...queues].sort();
  }

  private async existing(queue: string): Promise<QueueUrls> {
    const urls = await this.deps.topology.lookup(queue);
    if (urls) return urls;
    const expected = queueNames(queue, this.deps.options.queuePrefix, false).main;
    throw new UnknownQueueError(
      `SQS has no queue for "${queue}" (${expected} or its .fifo twin, with a -dlq queue); start its consumer, which declares them, or check the name (<group>.<method>)`,
    );
  }

  private async tagsOf(queue: string, urls: QueueUrls): Promise<Readonly<Record<string, string>>> {
    let tags = this.tags.get(queue);
    if (!tags) {
      tags = await this.urlTags(urls.deadLetterUrl);
      this.tags.set(queue, tags);
    }
    return tags;
  }

  private async urlTags(url: string): Promise<Record<string, string>> {
    try {
      const { Tags } = await this.deps.clients.sqs.send(
        new ListQueueTagsCommand({ QueueUrl: url }),
      );
      return Tags ?? {};
    } catch (error) {
      if (isQueueMissing(error)) return {};
      throw error;
    }
  }
}
