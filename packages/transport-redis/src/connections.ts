import { Redis, type RedisOptions } from 'ioredis';
import { TransportUnavailableError, errorMessage } from '@switchyard/core';
import type { ResolvedRedisOptions } from './options';

/**
 * What a connection is for. Blocking reads (`XREADGROUP BLOCK`, `XREAD BLOCK`) hold their
 * connection, so each gets its own; commands and publishes share one pipelined connection; the
 * topic channel needs a connection in subscriber mode.
 */
export type ConnectionRole = 'command' | 'blocking' | 'discovery' | 'reply';

/** Creates this transport's ioredis connections, named for `CLIENT LIST`. */
export class RedisConnections {
  constructor(private readonly options: ResolvedRedisOptions) {}

  /**
   * A new connection, already connected, named `<connectionName>:<role>[:<tag>]`. Fails with
   * `TransportUnavailableError`.
   */
  async open(role: ConnectionRole, tag?: string): Promise<Redis> {
    const name = `${this.options.connectionName}:${role}${tag === undefined ? '' : `:${tag}`}`;
    const redis = new Redis(this.options.url, { ...this.settings(role), connectionName: name });
    redis.on('error', (error: Error) => {
      // ioredis reconnects by itself; this only keeps an unhandled 'error' event from crashing.
      this.options.logger.warn(`Redis ${role} connection: ${error.message}`);
    });
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new TransportUnavailableError(
        `Cannot connect to Redis at ${redactedUrl(this.options.url)}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    return redis;
  }

  private settings(role: ConnectionRole): RedisOptions {
    const blocking = role === 'blocking' || role === 'reply';
    return {
      lazyConnect: true,
      // Blocking reads wait for Redis however long it is away; commands give up and fail.
      maxRetriesPerRequest: blocking ? null : 20,
      enableAutoPipelining: role === 'command',
      // A dropped blocking connection's socket may never report 'close'; ioredis then keeps the
      // process alive for this long before destroying it.
      disconnectTimeout: blocking ? 100 : 2_000,
      ...this.options.redis,
    };
  }
}

function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
