import { type ReplyHandler, TransportUnavailableError } from '@switchyard/core';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { readHeaders } from './headers';
import { toInbound } from './inbound';
import type { KafkaOptions } from './options';
import type { TopicRegistry } from './topic-registry';

/**
 * This instance's RPC reply destination: a one-partition topic `<prefix>.reply.<instance>`, read
 * by a consumer group of the same name that no other instance joins. Both are deleted on close.
 */
export class ReplyInbox {
  private consumer: Consumer | undefined;

  constructor(
    readonly address: string,
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topics: TopicRegistry,
    private readonly options: KafkaOptions,
  ) {}

  /** Creates the topic and resolves once the consumer reads it. */
  async open(onReply: ReplyHandler): Promise<string> {
    await this.topics.ensure(this.address, 1);
    const { options } = this;
    const consumer = this.kafka.consumer({
      groupId: this.address,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [this.address], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        const read = readHeaders(message.headers);
        const position = { topic: this.address, partition };
        onReply(toInbound(message, read, position, this.address, this.address));
      },
    });
    const timeoutMs = options.sessionTimeoutMs + options.rebalanceTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      joined,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TransportUnavailableError(
                `Kafka: the reply inbox did not start within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return this.address;
  }

  /** Stops reading and deletes the topic and the group. */
  async close(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    await this.topics.delete([this.address]);
    await this.admin.deleteGroups([this.address]).catch(() => undefined);
  }
}
