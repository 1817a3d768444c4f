import type { ReplyHandler } from '@switchyard/core';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { ChannelHolder } from './channel-holder';
import type { AmqpConnection } from './connection';
import { inboundMessage } from './headers';
import type { RabbitMqOptions } from './options';

/** RabbitMQ's direct reply-to pseudo-queue: replies go straight to the consuming channel. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/**
 * This instance's RPC inbox: a dedicated channel consuming `amq.rabbitmq.reply-to` without acks.
 * Its address (`amq.rabbitmq.reply-to.<token>`) names the channel, so it changes when the
 * connection is restored; `current()` maps the first address, which the app keeps, to the live one.
 */
export class ReplyInbox extends ChannelHolder<ConfirmChannel> {
  private first: string | undefined;
  private live: string | undefined;

  constructor(
    connection: AmqpConnection,
    options: RabbitMqOptions,
    private readonly onReply: ReplyHandler,
  ) {
    super(connection, options.reconnectInitialMs, options.reconnectMaxMs);
  }

  /** Opens the inbox and returns its address. */
  async openOn(model: ChannelModel): Promise<string> {
    await this.start(model);
    this.first = this.live;
    if (this.first === undefined) throw new Error('The reply inbox did not open');
    return this.first;
  }

  /** The live address for an address this inbox handed out; any other address unchanged. */
  current(address: string): string {
    return address === this.first && this.live !== undefined ? this.live : address;
  }

  close(): Promise<void> {
    return this.release();
  }

  protected override async open(model: ChannelModel): Promise<ConfirmChannel> {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => undefined);
    try {
      await channel.consume(
        DIRECT_REPLY_TO,
        (message) => {
          if (message) this.onReply(inboundMessage(message, DIRECT_REPLY_TO));
        },
        { noAck: true },
      );
      this.live = await probeAddress(channel);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    return channel;
  }
}

/**
 * Learns the channel's full reply address: RabbitMQ rewrites `reply_to: amq.rabbitmq.reply-to`
 * into it on a publish from this channel, so one probe through a private queue shows it. Requests
 * can then carry it from any channel.
 */
async function probeAddress(channel: ConfirmChannel): Promise<string> {
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  channel.sendToQueue(queue, Buffer.alloc(0), { replyTo: DIRECT_REPLY_TO });
  await channel.waitForConfirms();
  const probe = await channel.get(queue, { noAck: true });
  await channel.deleteQueue(queue);
  const address = probe ? (probe.properties.replyTo as string | undefined) : undefined;
  if (!address) throw new Error('RabbitMQ did not reveal the direct reply-to address');
  return address;
}
