import type { Admin } from 'kafkajs';
import { isUnknownTopic } from './producer-slot';

const RESOLVED = Promise.resolve();
const MAX_ATTEMPTS = 10;

/**
 * Creates topics through the admin API, once: a topic known to exist costs nothing on later
 * publishes and subscribes, and concurrent callers share one request. Also tells listeners (the
 * wildcard watchers of this instance) at once when it creates a topic.
 */
export class TopicRegistry {
  /** Topics this instance created, for tools and tests that clean up after themselves. */
  readonly created = new Set<string>();
  private readonly ready = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(topic: string) => void>();

  constructor(
    private readonly admin: Admin,
    private readonly defaults: { readonly partitions: number; readonly replicationFactor: number },
  ) {}

  /** Creates `topic` unless it exists; resolves once it has a leader. */
  ensure(topic: string, partitions = this.defaults.partitions): Promise<void> {
    if (this.ready.has(topic)) return RESOLVED;
    let pending = this.pending.get(topic);
    if (!pending) {
      pending = this.create(topic, partitions).finally(() => this.pending.delete(topic));
      this.pending.set(topic, pending);
    }
    return pending;
  }

  /** Whether `topic` is known to exist (no request needed). */
  isReady(topic: string): boolean {
    return this.ready.has(topic);
  }

  /** Forgets that topics exist (they may have been deleted); the next `ensure` asks again. */
  forget(topics: Iterable<string>): void {
    for (const topic of topics) this.ready.delete(topic);
  }

  /** Every topic of the cluster. */
  list(): Promise<string[]> {
    return this.admin.listTopics();
  }

  /** Deletes topics (best effort: a topic already gone is no error). */
  async delete(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    for (const topic of topics) this.ready.delete(topic);
    await this.admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
  }

  /** Calls `listener` with every topic this instance creates; returns the unsubscribe function. */
  onCreated(listener: (topic: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async create(topic: string, partitions: number): Promise<void> {
    const { replicationFactor } = this.defaults;
    let created = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const fresh = await this.admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: partitions, replicationFactor }],
        });
        created ||= fresh;
        break;
      } catch (error) {
        // Created, but the broker does not list it yet (its metadata lags behind the
        // controller, e.g. under load) and kafkajs gives up at once: ask again.
        if (!isUnknownTopic(error) || attempt === MAX_ATTEMPTS) throw error;
        created = true;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    this.ready.add(topic);
    if (created) {
      this.created.add(topic);
      for (const listener of this.listeners) listener(topic);
    }
  }
}
