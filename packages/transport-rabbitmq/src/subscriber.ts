import {
  type DeliveryHandler,
  NoRouteError,
  type RetrySettlement,
  type Settlement,
  type Subscription,
  type SubscriptionSpec,
} from '@switchyard/core';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ChannelHolder, quietChannel } from './channel-holder';
import type { AmqpConnection } from './connection';
import { type Delivery, Dispatcher } from './dispatcher';
import { AmqpHeaders, copyOptions, inboundMessage } from './headers';
import type { RabbitMqOptions } from './options';
import type { Publisher } from './publisher';
import { deadLetterQueueName, declareSubscriptionQueue } from './topology';

/**
 * Consumes one queue on its own channel (so `prefetch` applies to it alone) and applies each
 * handler's settlement: ack; retry through a delay queue (or, for ordered subscriptions, in place);
 * dead-letter to `<queue>.dlq`, acknowledging the original only once the copy is confirmed.
 */
export class Subscriber extends ChannelHolder<Channel> implements Subscription {
  private readonly dispatcher: Dispatcher;
  private readonly heldRetries = new Map<Delivery, NodeJS.Timeout>();
  private consumerTag: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    connection: AmqpConnection,
    private readonly options: RabbitMqOptions,
    private readonly publisher: Publisher,
    private readonly spec: SubscriptionSpec,
    private readonly handler: DeliveryHandler,
  ) {
    super(connection, options.reconnectInitialMs, options.reconnectMaxMs);
    this.dispatcher = new Dispatcher(spec.concurrency, spec.ordered, (delivery) =>
      this.handle(delivery),
    );
  }

  /** Stops consuming, gives back what no handler has started, and waits for running handlers. */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  protected override async open(model: ChannelModel): Promise<Channel> {
    const channel = await quietChannel(model);
    try {
      await channel.prefetch(this.spec.prefetch);
      await declareSubscriptionQueue(channel, this.options.exchange, this.spec);
      const { consumerTag } = await channel.consume(
        this.spec.queue,
        (message) => this.received(channel, message),
        { noAck: false },
      );
      this.consumerTag = consumerTag;
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    return channel;
  }

  protected override lost(channel: Channel): void {
    // RabbitMQ redelivers everything unacknowledged on that channel; local copies are void.
    this.dispatcher.take((delivery) => delivery.channel === channel);
    for (const [delivery, timer] of this.heldRetries) {
      if (delivery.channel !== channel) continue;
      clearTimeout(timer);
      this.heldRetries.delete(delivery);
      this.dispatcher.releaseKey(delivery);
    }
  }

  private received(channel: Channel, raw: ConsumeMessage | null): void {
    if (raw === null) {
      // The broker cancelled the consumer (queue deleted): reopen, which declares it again.
      void channel.close().catch(() => undefined);
      return;
    }
    const message = inboundMessage(raw, this.spec.queue);
    this.dispatcher.add({ raw, channel, message, acked: false, holdsKey: false });
  }

  /**
   * Runs the handler and applies its settlement; `true` while retrying in place. An ack known at
   * once is applied at once and answered with a plain value, so it costs no promise.
   */
  private handle(delivery: Delivery): boolean | Promise<boolean> {
    if (this.spec.ackMode === 'before-handler') this.ack(delivery);
    const settlement = this.handler(delivery.message);
    if (settlement instanceof Promise) {
      return settlement.then((settled) => this.apply(delivery, settled));
    }
    if (settlement.kind === 'ack') {
      this.ack(delivery);
      return false;
    }
    return this.apply(delivery, settlement);
  }

  /** Applies a settlement; when its copy cannot be stored, gives the message back instead. */
  private async apply(delivery: Delivery, settlement: Settlement): Promise<boolean> {
    try {
      return await this.settle(delivery, settlement);
    } catch (error) {
      // The DLQ was deleted under us: declare it again before the message comes back.
      if (error instanceof NoRouteError && this.channel) {
        await declareSubscriptionQueue(this.channel, this.options.exchange, this.spec).catch(
          () => undefined,
        );
      }
      // The copy could not be stored: give the message back so it is delivered again.
      this.nack(delivery);
      return false;
    }
  }

  private async settle(delivery: Delivery, settlement: Settlement): Promise<boolean> {
    if (settlement.kind === 'ack') {
      this.ack(delivery);
      return false;
    }
    // Unacknowledged on a closed channel: RabbitMQ redelivers the original, so no copy is made.
    if (!delivery.acked && !this.isOpen(delivery.channel)) return false;
    const { raw, message } = delivery;
    if (settlement.kind === 'retry') {
      if (this.retriesInPlace(delivery)) {
        this.holdForRetry(delivery, settlement);
        return true;
      }
      const properties = copyOptions(raw, {
        ...settlement.headers,
        [AmqpHeaders.attempt]: message.attempt + 1,
        [AmqpHeaders.topic]: message.topic,
      });
      properties.messageId ??= message.id;
      await this.publisher.retry(this.spec.queue, raw, properties, settlement.delayMs);
    } else {
      const properties = copyOptions(raw, {
        ...settlement.headers,
        [AmqpHeaders.attempt]: message.attempt,
        [AmqpHeaders.topic]: message.topic,
      });
      properties.messageId ??= message.id;
      await this.publisher.toQueue(deadLetterQueueName(this.spec.queue), raw, properties);
    }
    this.ack(delivery);
    return false;
  }

  /**
   * An ordered subscription retries a keyed message in place: it stays unacknowledged and keeps
   * its key's turn during the backoff, so later messages with that key cannot overtake it.
   */
  private retriesInPlace(delivery: Delivery): boolean {
    return this.spec.ordered && delivery.message.key !== undefined && !delivery.acked;
  }

  private holdForRetry(delivery: Delivery, settlement: RetrySettlement): void {
    const timer = setTimeout(() => {
      this.heldRetries.delete(delivery);
      const { message } = delivery;
      delivery.message = {
        ...message,
        attempt: message.attempt + 1,
        headers: { ...message.headers, ...settlement.headers },
      };
      this.dispatcher.resume(delivery);
    }, settlement.delayMs);
    this.heldRetries.set(delivery, timer);
  }

  private ack(delivery: Delivery): void {
    if (delivery.acked) return;
    delivery.acked = true;
    try {
      delivery.channel.ack(delivery.raw);
    } catch {
      // The channel is gone; the broker redelivers the message.
    }
  }

  private nack(delivery: Delivery): void {
    if (delivery.acked) return;
    delivery.acked = true;
    try {
      delivery.channel.nack(delivery.raw, false, true);
    } catch {
      // The channel is gone; the broker redelivers the message.
    }
  }

  private async drain(): Promise<void> {
    this.connection.remove(this);
    // Deliveries arriving until the cancel is confirmed wait with the others, to be given back.
    this.dispatcher.pause();
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    for (const [delivery, timer] of this.heldRetries) {
      clearTimeout(timer);
      this.nack(delivery);
    }
    this.heldRetries.clear();
    for (const delivery of this.dispatcher.take(() => true)) this.nack(delivery);
    await this.dispatcher.whenIdle();
    await this.release();
  }
}
