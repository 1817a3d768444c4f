import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { SubscriptionSpec, DeliveryHandler, Subscription } from '@switchyard/core';
import { type Channel, type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import { deleteTopology } from '../admin';
import { RabbitMqTransport } from '../transport';

const run = promisify(execFile);

/** The broker the tests use: the machine's RabbitMQ on loopback unless overridden. */
export const BROKER_URL =
  process.env.SWITCHYARD_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The broker's management HTTP API, enabled by `scripts/brokers/rabbitmq.sh`. */
export const MANAGEMENT_URL =
  process.env.SWITCHYARD_RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';

/** A unique prefix for the names one test file declares. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}

/**
 * The broker objects one test file works with: its own exchange and connection name, so files
 * running in parallel neither see each other's messages nor lose each other's connections, and a
 * record of the queues its transports declared, deleted at the end.
 */
export class TestBroker {
  readonly id = uniqueName('swytest');
  readonly queues = new Set<string>();
  private raw: ChannelModel | undefined;
  private rawConnecting: Promise<ChannelModel> | undefined;

  /** The transport URL of this file: its own exchange and connection name. */
  url(extra: Record<string, string> = {}): string {
    const url = new URL(BROKER_URL);
    url.searchParams.set('exchange', `${this.id}.events`);
    url.searchParams.set('connectionName', this.id);
    for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
    return url.href;
  }

  /** The events exchange of this file. */
  get exchange(): string {
    return `${this.id}.events`;
  }

  /** A transport whose declared queues are recorded for `cleanup()`. */
  transport(extra: Record<string, string> = {}): RabbitMqTransport {
    const queues = this.queues;
    return new (class extends RabbitMqTransport {
      override subscribe(spec: SubscriptionSpec, handler: DeliveryHandler): Promise<Subscription> {
        queues.add(spec.queue);
        return super.subscribe(spec, handler);
      }
    })(this.url(extra));
  }

  /** A plain amqplib connection (not named after this file, so `dropConnections` spares it). */
  async rawConnection(): Promise<ChannelModel> {
    if (this.raw) return this.raw;
    this.rawConnecting ??= connect(BROKER_URL, {
      clientProperties: { connection_name: `${this.id}-raw` },
    }).then((model) => {
      model.on('error', () => undefined);
      model.on('close', () => {
        if (this.raw === model) this.raw = undefined;
      });
      this.raw = model;
      this.rawConnecting = undefined;
      return model;
    });
    return this.rawConnecting;
  }

  /** Runs `work` on a fresh raw channel, closed afterwards. */
  async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await (await this.rawConnection()).createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Runs `work` on a fresh raw confirm channel, closed afterwards. */
  async withConfirmChannel<T>(work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    const channel = await (await this.rawConnection()).createConfirmChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Publishes like a producer that knows nothing of Switchyard: a bare body to the exchange. */
  publishForeign = async (topic: string, body: string): Promise<void> => {
    await this.withConfirmChannel(async (channel) => {
      channel.publish(this.exchange, topic, Buffer.from(body));
      await channel.waitForConfirms();
    });
  };

  /** Has RabbitMQ close (CONNECTION_FORCED) every connection of this file's transports. */
  dropConnections = async (): Promise<void> => {
    const { stdout } = await run('rabbitmqctl', [
      'list_connections',
      '--no-table-headers',
      '--quiet',
      'pid',
      'client_properties',
    ]);
    const pids = stdout
      .split('\n')
      .filter((line) => line.includes(`{"connection_name","${this.id}"}`))
      .map((line) => line.split('\t')[0]);
    for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'test']);
  };

  /** Deletes every queue the file's transports declared, the exchanges and the delay queues. */
  cleanup = async (): Promise<void> => {
    await deleteTopology(this.url(), { queues: [...this.queues], exchanges: true });
    await this.raw?.close().catch(() => undefined);
    this.raw = undefined;
  };
}

/** One queue as `rabbitmqctl list_queues` shows it. */
export interface QueueInfo {
  readonly name: string;
  readonly durable: boolean;
  readonly type: string;
  /** Arguments as rabbitmqctl prints them, e.g. `[{"x-max-priority",9}]`. */
  readonly arguments: string;
}

/** The broker's queues whose names start with `prefix`. */
export async function listQueues(prefix: string): Promise<QueueInfo[]> {
  const { stdout } = await run('rabbitmqctl', [
    'list_queues',
    '--no-table-headers',
    '--quiet',
    'name',
    'durable',
    'type',
    'arguments',
  ]);
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => {
      const [name, durable, type, args] = line.split('\t');
      return { name, durable: durable === 'true', type, arguments: args };
    });
}

/** Routing keys bound from `exchange` to `queue`. */
export async function listBindings(exchange: string, queue: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', [
    'list_bindings',
    '--no-table-headers',
    '--quiet',
    'source_name',
    'destination_name',
    'routing_key',
  ]);
  return stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([source, destination]) => source === exchange && destination === queue)
    .map(([, , key]) => key)
    .sort();
}

/** Ready and unacknowledged message counts of a queue, as `rabbitmqctl` shows them. */
export async function queueCounts(queue: string): Promise<{ ready: number; unacked: number }> {
  const { stdout } = await run('rabbitmqctl', [
    'list_queues',
    '--no-table-headers',
    '--quiet',
    'name',
    'messages_ready',
    'messages_unacknowledged',
  ]);
  const line = stdout.split('\n').find((entry) => entry.split('\t')[0] === queue);
  if (!line) throw new Error(`queue ${queue} does not exist`);
  const [, ready, unacked] = line.split('\t');
  return { ready: Number(ready), unacked: Number(unacked) };
}
