import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { type SwitchyardOptions, Switchyard, type Type, silentLogger } from '@switchyard/core';
import { Redis } from 'ioredis';
import { waitFor } from '@switchyard/testing';
import type { RedisTransportOptions } from '../options';
import { RedisTransport } from '../transport';

const execFileAsync = promisify(execFile);

/** Where the shared test Redis listens. */
export const REDIS_URL = process.env.SWITCHYARD_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * One spec file's corner of the shared Redis: every key under `<run>:` (topic streams at
 * `<run>:<topic>`, Switchyard's own keys at `<run>:swy:`), every connection named `<run>:…`, so
 * parallel runs never meet, `cleanup()` deletes exactly what the run created and
 * `dropConnections()` kills only this run's connections.
 */
export class RedisSpecRun {
  readonly id = `swyt${randomBytes(4).toString('hex')}`;
  readonly streamPrefix = `${this.id}:`;
  readonly namespace = `${this.id}:swy:`;
  private rawClient: Redis | undefined;
  private readonly transports: RedisTransport[] = [];
  private readonly apps: Switchyard[] = [];

  /** Transport options confined to this run. */
  options(extra: RedisTransportOptions = {}): RedisTransportOptions {
    return {
      url: REDIS_URL,
      streamPrefix: this.streamPrefix,
      namespace: this.namespace,
      connectionName: this.id,
      logger: silentLogger,
      ...extra,
    };
  }

  /** A new transport of this run, closed by `cleanup()`. */
  transport(extra: RedisTransportOptions = {}): RedisTransport {
    const transport = new RedisTransport(this.options(extra));
    this.transports.push(transport);
    return transport;
  }

  /** Creates and starts an app on a new transport of this run; stopped by `cleanup()`. */
  async app(
    consumers: readonly Type[],
    transportOptions: RedisTransportOptions = {},
    appOptions: Omit<SwitchyardOptions, 'transport' | 'consumers'> = {},
  ): Promise<Switchyard> {
    const app = await Switchyard.create({
      transport: this.transport(transportOptions),
      consumers,
      logger: silentLogger,
      queueSizeIntervalMs: 0,
      ...appOptions,
    });
    this.apps.push(app);
    await app.start();
    return app;
  }

  /** A plain ioredis client, as a producer that knows nothing of Switchyard. */
  raw(): Redis {
    this.rawClient ??= new Redis(REDIS_URL, { connectionName: 'switchyard-spec-raw' });
    return this.rawClient;
  }

  /** The stream key of a topic in this run. */
  stream(topic: string): string {
    return this.streamPrefix + topic;
  }

  /** Kills every connection of this run's transports (`CLIENT KILL ID`), as a network drop would. */
  async dropConnections(): Promise<number> {
    const list = (await this.raw().client('LIST')) as string;
    const ids = list
      .split('\n')
      .map((line) => ({ id: /\bid=(\d+)/.exec(line)?.[1], name: /\bname=(\S*)/.exec(line)?.[1] }))
      .filter((client) => client.id && client.name?.startsWith(`${this.id}:`));
    for (const { id } of ids) await this.raw().client('KILL', 'ID', id as string);
    return ids.length;
  }

  /** Waits until a connection named `<name>:blocking:…` is blocked in `XREADGROUP`. */
  async waitUntilReading(name: string): Promise<void> {
    await waitFor(
      async () => {
        const list = (await this.raw().client('LIST')) as string;
        return list
          .split('\n')
          .some(
            (line) => line.includes(` name=${name}:blocking:`) && line.includes(' cmd=xreadgroup'),
          );
      },
      { message: `${name} to block in XREADGROUP` },
    );
  }

  /** Closes this run's apps and transports and deletes every key starting with the run's id. */
  async cleanup(): Promise<void> {
    await Promise.all(this.apps.splice(0).map((app) => app.stop()));
    await Promise.all(this.transports.splice(0).map((transport) => transport.close()));
    const raw = this.raw();
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${this.id}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await raw.unlink(...keys);
    } while (cursor !== '0');
    await raw.quit();
    this.rawClient = undefined;
  }
}

/** Runs the real `redis-cli` against the test Redis and resolves with its output. */
export async function redisCli(...args: string[]): Promise<string> {
  const url = new URL(REDIS_URL);
  const { stdout } = await execFileAsync('/usr/bin/redis-cli', [
    '-h',
    url.hostname,
    '-p',
    url.port || '6379',
    ...args,
  ]);
  return stdout;
}
