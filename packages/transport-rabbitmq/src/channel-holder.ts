import { TransportUnavailableError } from '@switchyard/core';
import type { Channel, ChannelModel } from 'amqplib';
import type { AmqpConnection, ConnectionUser } from './connection';

/**
 * Keeps one channel open for as long as its owner lives: opens it on `attach`, and when the channel
 * closes (the broker closed it, or the connection went) opens it again — at once on a new
 * connection, or with backoff when only the channel died.
 */
export abstract class ChannelHolder<C extends Channel> implements ConnectionUser {
  protected channel: C | undefined;
  private attaching: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs: number;
  private readonly waiters = new Set<() => void>();
  protected stopped = false;

  constructor(
    protected readonly connection: AmqpConnection,
    private readonly retryInitialMs: number,
    private readonly retryMaxMs: number,
  ) {
    this.retryDelayMs = retryInitialMs;
  }

  /** Opens a channel and prepares it (declarations, consumers); closes it again on failure. */
  protected abstract open(model: ChannelModel): Promise<C>;

  /** The channel is gone; whatever was fetched on it will be redelivered by the broker. */
  protected lost(channel: C): void {
    void channel;
  }

  /** Opens the channel for the first time; rejects when that fails (nothing is retried). */
  start(model: ChannelModel): Promise<void> {
    if (this.channel || this.stopped) return Promise.resolve();
    this.attaching ??= this.openAndKeep(model).finally(() => {
      this.attaching = undefined;
    });
    return this.attaching;
  }

  /** Reopens the channel on a new connection; a failure is retried with backoff. Never rejects. */
  attach(model: ChannelModel): Promise<void> {
    return this.start(model).catch(() => {
      if (!this.stopped) this.retryLater();
    });
  }

  /** The open channel, waiting for it until `deadline` (epoch ms) while the connection is down. */
  protected async ready(deadline: number): Promise<C> {
    while (!this.channel) {
      if (this.stopped || this.connection.isClosed) {
        throw new TransportUnavailableError('The RabbitMQ transport is closed');
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new TransportUnavailableError(
          'RabbitMQ is unreachable and the connection was not restored in time (see publishWaitMs)',
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
    return this.channel;
  }

  /** Stops re-opening and closes the channel. */
  protected async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const wake of [...this.waiters]) wake();
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  /** Whether a channel is still the open one (a settlement on a dead channel is void). */
  protected isOpen(channel: C): boolean {
    return this.channel === channel;
  }

  private async openAndKeep(model: ChannelModel): Promise<void> {
    const channel = await this.open(model);
    if (this.stopped) {
      await channel.close().catch(() => undefined);
      return;
    }
    channel.on('close', () => this.closed(channel));
    this.channel = channel;
    this.retryDelayMs = this.retryInitialMs;
    for (const wake of [...this.waiters]) wake();
  }

  private closed(channel: C): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.lost(channel);
    if (!this.stopped) this.retryLater();
  }

  private retryLater(): void {
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, this.retryMaxMs);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      // Without a connection there is nothing to do: the connection re-attaches every holder.
      const model = this.connection.current;
      if (model && !this.stopped) void this.attach(model);
    }, delay);
  }
}

/** Creates a channel that never crashes the process with an unhandled 'error' event. */
export async function quietChannel(model: ChannelModel): Promise<Channel> {
  const channel = await model.createChannel();
  channel.on('error', () => undefined);
  return channel;
}
