import { type Logger, errorMessage } from '@switchyard/core';
import type { Redis } from 'ioredis';
import type { RedisConnections } from './connections';
import type { RedisTopology } from './topology';

/** A subscription with wildcard patterns, told about topics that may match. */
export interface DiscoveryWatcher {
  /** Called for every topic seen; it keeps the ones its patterns match. Must not throw. */
  offer(topic: string): void;
}

/** What discovery needs. */
export interface DiscoveryContext {
  readonly connections: RedisConnections;
  /** The command connection, for `SMEMBERS` and `SCAN`. */
  readonly redis: Redis;
  readonly topology: RedisTopology;
  readonly discoveryIntervalMs: number;
  readonly discoverByScan: boolean;
  readonly logger: Logger;
}

/**
 * Finds topic streams for wildcard subscriptions. Publishers announce each new topic on the
 * registry channel, which reaches every watcher at once; a periodic rescan of the registry set,
 * and of the keyspace with `SCAN … TYPE stream`, finds topics announced while a watcher was
 * disconnected and streams created by producers that know nothing of Switchyard.
 */
export class TopicDiscovery {
  private readonly watchers = new Set<DiscoveryWatcher>();
  private listening: Promise<Redis> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly context: DiscoveryContext) {}

  /** Starts telling `watcher` about topics: every known one now, and new ones as they appear. */
  async watch(watcher: DiscoveryWatcher): Promise<void> {
    this.watchers.add(watcher);
    await this.listen();
    await this.rescan([watcher]);
  }

  unwatch(watcher: DiscoveryWatcher): void {
    this.watchers.delete(watcher);
  }

  /** Closes the channel connection. */
  async close(): Promise<void> {
    this.watchers.clear();
    clearInterval(this.timer);
    this.timer = undefined;
    const listening = this.listening;
    this.listening = undefined;
    if (listening) (await listening.catch(() => undefined))?.disconnect();
  }

  /** Offers every topic in the registry and, unless disabled, every topic stream in the keyspace. */
  async rescan(watchers: Iterable<DiscoveryWatcher> = this.watchers): Promise<void> {
    const { redis, topology, discoverByScan } = this.context;
    const topics = new Set(await redis.smembers(topology.topicRegistry));
    if (discoverByScan) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          topology.streamScanPattern,
          'COUNT',
          1000,
          'TYPE',
          'stream',
        );
        cursor = next;
        for (const key of keys) {
          const topic = topology.topicOf(key);
          if (topic !== undefined) topics.add(topic);
        }
      } while (cursor !== '0');
    }
    const targets = [...watchers];
    for (const topic of topics) for (const watcher of targets) watcher.offer(topic);
  }

  private listen(): Promise<Redis> {
    this.listening ??= this.subscribe();
    return this.listening;
  }

  private async subscribe(): Promise<Redis> {
    const { connections, topology, discoveryIntervalMs } = this.context;
    const subscriber = await connections.open('discovery');
    subscriber.on('message', (_channel: string, topic: string) => {
      for (const watcher of this.watchers) watcher.offer(topic);
    });
    // After a reconnect, announcements made meanwhile were missed: look again.
    subscriber.on('ready', () => this.rescanLogged());
    await subscriber.subscribe(topology.topicRegistry);
    if (discoveryIntervalMs > 0) {
      this.timer = setInterval(() => this.rescanLogged(), discoveryIntervalMs);
      this.timer.unref();
    }
    return subscriber;
  }

  private rescanLogged(): void {
    if (this.watchers.size === 0) return;
    this.rescan().catch((error: unknown) =>
      this.context.logger.warn('Rescanning Redis for new topic streams failed', {
        error: errorMessage(error),
      }),
    );
  }
}
