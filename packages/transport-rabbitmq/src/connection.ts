import { TransportUnavailableError, errorMessage } from '@switchyard/core';
import { type ChannelModel, connect } from 'amqplib';
import type { RabbitMqOptions } from './options';

/** A part of the transport holding channels: told when the connection is replaced. */
export interface ConnectionUser {
  /**
   * Opens its channels on a new connection, re-declares what it needs and resumes; retries by
   * itself on failure, and never rejects.
   */
  attach(model: ChannelModel): Promise<void>;
}

/**
 * The transport's one AMQP connection. When the broker drops it, it reconnects with exponential
 * backoff (`reconnectInitialMs` doubling up to `reconnectMaxMs`) until `close()`, then lets every
 * user re-attach: the publisher reopens its confirm channel, subscriptions re-declare their
 * topology and consume again, the reply inbox reopens.
 */
export class AmqpConnection {
  private model: ChannelModel | undefined;
  private readonly users = new Set<ConnectionUser>();
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private delayMs: number;

  constructor(private readonly options: RabbitMqOptions) {
    this.delayMs = options.reconnectInitialMs;
  }

  /** The live connection, if there is one now. */
  get current(): ChannelModel | undefined {
    return this.model;
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Connects for the first time; fails with `TransportUnavailableError` when the broker is unreachable. */
  async open(): Promise<ChannelModel> {
    if (this.model) return this.model;
    try {
      this.model = await this.dial();
    } catch (error) {
      throw new TransportUnavailableError(
        `Cannot connect to RabbitMQ at ${this.where()}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    return this.model;
  }

  add(user: ConnectionUser): void {
    this.users.add(user);
  }

  remove(user: ConnectionUser): void {
    this.users.delete(user);
  }

  /** Closes the connection and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const model = this.model;
    this.model = undefined;
    await model?.close().catch(() => undefined);
  }

  private async dial(): Promise<ChannelModel> {
    const model = await connect(this.options.url, {
      clientProperties: { connection_name: this.options.connectionName },
      // Small frames (acks, RPC replies) must not wait for Nagle's algorithm to coalesce them.
      noDelay: true,
    });
    // Without a listener an 'error' event would crash the process; 'close' follows it.
    model.on('error', () => undefined);
    model.on('close', () => this.lost(model));
    return model;
  }

  private lost(model: ChannelModel): void {
    if (this.model !== model) return;
    this.model = undefined;
    if (!this.closed) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    let model: ChannelModel;
    try {
      model = await this.dial();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await model.close().catch(() => undefined);
      return;
    }
    this.model = model;
    this.delayMs = this.options.reconnectInitialMs;
    await Promise.all([...this.users].map((user) => user.attach(model)));
  }

  private where(): string {
    const url = new URL(this.options.url);
    return `${url.hostname}:${url.port || (url.protocol === 'amqps:' ? 5671 : 5672)}`;
  }
}
