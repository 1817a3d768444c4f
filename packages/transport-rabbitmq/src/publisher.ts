import { NoRouteError, type OutgoingMessage, TransportUnavailableError } from '@switchyard/core';
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { ChannelHolder } from './channel-holder';
import type { AmqpConnection } from './connection';
import { MAX_BUCKET_MS, delayBucket } from './delay-buckets';
import { PublishRejectedError } from './errors';
import { publishOptions, redeliveryOptions } from './headers';
import type { RabbitMqOptions } from './options';
import {
  DELAY_HEADER,
  type DelayKind,
  declareDelayQueue,
  declareExchanges,
  delayExchangeName,
  delayQueueName,
} from './topology';

/** A mandatory publish waiting for its confirm; a basic.return before it marks it unroutable. */
interface Unconfirmed {
  readonly exchange: string;
  readonly routingKey: string;
  readonly messageId: string | undefined;
  returned: boolean;
}

/** The channel closed before the broker confirmed: the publish is tried again on the next one. */
class ChannelLost extends Error {}

/**
 * Publishes through one confirm channel: every publish resolves once RabbitMQ confirmed it. While
 * the connection is down a publish waits for it (up to `publishWaitMs`, then
 * `TransportUnavailableError`); one whose channel closed before the confirm is published again on
 * the new channel, so a message may arrive twice but is never silently lost.
 */
export class Publisher extends ChannelHolder<ConfirmChannel> {
  private readonly mandatory: Unconfirmed[] = [];
  private declaredBuckets = new Set<string>();
  private drained: Promise<void> | undefined;

  constructor(
    connection: AmqpConnection,
    private readonly options: RabbitMqOptions,
  ) {
    super(connection, options.reconnectInitialMs, options.reconnectMaxMs);
  }

  /** Publishes a Switchyard message to the events exchange (or, with `delayMs`, via a delay queue). */
  publishMessage(message: OutgoingMessage, mandatory: boolean): Promise<void> {
    const properties = publishOptions(message);
    const { exchange } = this.options;
    if (message.delayMs !== undefined && message.delayMs > 0) {
      return this.publishDelayed('delay', message.topic, message.body, properties, message.delayMs);
    }
    if (mandatory) properties.mandatory = true;
    return this.publish(exchange, message.topic, message.body, properties, message.topic);
  }

  /** Publishes straight into a queue through the default exchange; fails if the queue is gone. */
  toQueue(queue: string, message: Message, properties: Options.Publish): Promise<void> {
    properties.mandatory = true;
    return this.publish('', queue, message.content, properties, queue);
  }

  /**
   * Publishes `message` into `queue` alone, through the default exchange, as a first attempt (no
   * `x-swy-attempt`); fails with `NoRouteError` when the queue does not exist.
   */
  redeliver(queue: string, message: OutgoingMessage): Promise<void> {
    const properties = redeliveryOptions(message);
    properties.mandatory = true;
    return this.publish('', queue, message.body, properties, queue);
  }

  /** Puts a copy back into `queue` after `delayMs` (rounded up to a bucket, capped at the last). */
  retry(
    queue: string,
    message: Message,
    properties: Options.Publish,
    delayMs: number,
  ): Promise<void> {
    if (delayMs <= 0) return this.toQueue(queue, message, properties);
    return this.publishDelayed(
      'retry',
      queue,
      message.content,
      properties,
      Math.min(delayMs, MAX_BUCKET_MS),
    );
  }

  /** Sends an RPC reply to a direct reply-to address. */
  reply(address: string, message: OutgoingMessage): Promise<void> {
    return this.publish('', address, message.body, publishOptions(message), address);
  }

  /** Closes the channel; publishes still waiting fail with `TransportUnavailableError`. */
  close(): Promise<void> {
    return this.release();
  }

  protected override async open(model: ChannelModel): Promise<ConfirmChannel> {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => undefined);
    channel.on('return', (returned: Message) => this.markReturned(returned));
    try {
      await declareExchanges(channel, this.options.exchange);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    this.declaredBuckets = new Set();
    return channel;
  }

  private async publishDelayed(
    kind: DelayKind,
    routingKey: string,
    content: Buffer,
    properties: Options.Publish,
    delayMs: number,
  ): Promise<void> {
    const bucket = delayBucket(delayMs);
    properties.headers = { ...properties.headers, [DELAY_HEADER]: String(bucket) };
    // Mandatory: a missing bucket queue must fail the publish, not drop the message.
    properties.mandatory = true;
    const exchange = delayExchangeName(this.options.exchange, kind);
    const send = () =>
      this.publish(exchange, routingKey, content, properties, routingKey, (channel) =>
        this.declareBucket(channel, kind, bucket),
      );
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof NoRouteError)) throw error;
      // The bucket queue was deleted since it was declared: declare it again, once.
      this.declaredBuckets.delete(delayQueueName(this.options.exchange, kind, bucket));
      return send();
    }
  }

  private async publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: Options.Publish,
    topic: string,
    prepare?: (channel: ConfirmChannel) => Promise<void>,
  ): Promise<void> {
    let deadline: number | undefined;
    for (;;) {
      const channel =
        this.channel ?? (await this.ready((deadline ??= Date.now() + this.options.publishWaitMs)));
      try {
        if (prepare) await prepare(channel);
        if (this.drained) await this.drained;
        return await this.confirm(channel, exchange, routingKey, content, properties, topic);
      } catch (error) {
        if (!(error instanceof ChannelLost) && this.isOpen(channel)) throw error;
        deadline ??= Date.now() + this.options.publishWaitMs;
        if (Date.now() >= deadline) {
          throw new TransportUnavailableError(
            `RabbitMQ did not confirm the message for "${routingKey}" before its channel closed, and no channel came back within publishWaitMs`,
            { cause: error },
          );
        }
        // The channel is closing but amqplib has not said so yet: give it a moment.
        if (this.channel === channel) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  private confirm(
    channel: ConfirmChannel,
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: Options.Publish,
    topic: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry: Unconfirmed | undefined = properties.mandatory
        ? { exchange, routingKey, messageId: properties.messageId, returned: false }
        : undefined;
      if (entry) this.mandatory.push(entry);
      const done = (error: unknown) => {
        if (entry) this.mandatory.splice(this.mandatory.indexOf(entry), 1);
        if (error) {
          reject(
            error instanceof Error && error.message === 'message nacked'
              ? new PublishRejectedError(routingKey)
              : new ChannelLost(),
          );
        } else if (entry?.returned) {
          reject(new NoRouteError(topic));
        } else {
          resolve();
        }
      };
      try {
        const flowing = channel.publish(exchange, routingKey, content, properties, done);
        if (!flowing && !this.drained) {
          this.drained = new Promise((resolve) => {
            const wake = () => {
              this.drained = undefined;
              resolve();
            };
            channel.once('drain', wake);
            channel.once('close', wake);
          });
        }
      } catch {
        // amqplib throws at once on a channel that is closing.
        done(new Error('channel closed'));
      }
    });
  }

  /** basic.return comes before the confirm of the same publish, in publish order. */
  private markReturned(returned: Message): void {
    const { exchange, routingKey } = returned.fields;
    const messageId = returned.properties.messageId as string | undefined;
    const entry = this.mandatory.find(
      (candidate) =>
        !candidate.returned &&
        candidate.exchange === exchange &&
        candidate.routingKey === routingKey &&
        candidate.messageId === messageId,
    );
    if (entry) entry.returned = true;
  }

  private async declareBucket(
    channel: ConfirmChannel,
    kind: DelayKind,
    bucket: number,
  ): Promise<void> {
    const name = delayQueueName(this.options.exchange, kind, bucket);
    if (this.declaredBuckets.has(name)) return;
    await declareDelayQueue(channel, this.options.exchange, kind, bucket);
    this.declaredBuckets.add(name);
  }
}
