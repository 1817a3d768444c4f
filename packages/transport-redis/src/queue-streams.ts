import {
  type Logger,
  type TopicMatcher,
  compilePattern,
  errorMessage,
  isWildcard,
} from '@switchyard/core';
import type { Redis } from 'ioredis';
import type { EntrySource } from './headers';
import type { RedisScripts } from './scripts';
import { type RedisTopology, createGroup } from './topology';

/** A stream a queue reads, and the pattern that bound it. */
interface Source {
  /** The topic, or `undefined` for the queue's own retry stream. */
  readonly topic: string | undefined;
  readonly pattern: string | undefined;
  /** How its entries are decoded (built once, not per message). */
  readonly entrySource: EntrySource;
}

/** What a queue's streams need. */
export interface QueueStreamsContext {
  readonly redis: Redis;
  readonly scripts: RedisScripts;
  readonly topology: RedisTopology;
  readonly logger: Logger;
}

/**
 * The streams one queue reads, with its group on each: its own retry stream, the stream of each
 * exact pattern, and the streams discovery finds for its wildcard patterns. Every group starts at
 * the time its pattern was first bound (see `DECLARE_BINDING`).
 */
export class QueueStreams {
  private readonly sources = new Map<string, Source>();
  private readonly binding = new Set<string>();
  private readonly wildcards: { pattern: string; matches: TopicMatcher }[];
  /** Copies in the retry stream name their topic; one that does not is reported as the queue. */
  private readonly retrySource: EntrySource;

  constructor(
    private readonly context: QueueStreamsContext,
    private readonly queue: string,
    private readonly patterns: readonly string[],
    /** Called when a stream was added after `declare()`. */
    private readonly onAdded: () => void,
  ) {
    this.wildcards = patterns
      .filter(isWildcard)
      .map((pattern) => ({ pattern, matches: compilePattern(pattern) }));
    this.retrySource = { topic: undefined, fallbackTopic: queue };
  }

  get hasWildcards(): boolean {
    return this.wildcards.length > 0;
  }

  /** Stream keys to read now. */
  keys(): string[] {
    return [...this.sources.keys()];
  }

  /** How to decode the entries of a stream read: the topic stream's topic, or the copies' own. */
  sourceOf(stream: string): EntrySource {
    return this.sources.get(stream)?.entrySource ?? this.retrySource;
  }

  /** Creates the retry stream's group and exact patterns' groups; records wildcard bindings. */
  async declare(): Promise<void> {
    const { redis, scripts, topology } = this.context;
    const queueStream = topology.queueStream(this.queue);
    await createGroup(redis, queueStream, this.queue, '0');
    this.sources.set(queueStream, {
      topic: undefined,
      pattern: undefined,
      entrySource: this.retrySource,
    });
    for (const pattern of this.patterns) {
      if (isWildcard(pattern)) await scripts.recordBinding(topology.bindings(this.queue), pattern);
      else await this.bind(pattern, pattern);
    }
  }

  /** A topic seen by discovery: binds its stream when a wildcard pattern matches it. */
  offer(topic: string): void {
    const pattern = this.wildcards.find((wildcard) => wildcard.matches(topic))?.pattern;
    if (pattern === undefined) return;
    let stream: string;
    try {
      stream = this.context.topology.streamOf(topic);
    } catch {
      return; // a topic in the reserved namespace
    }
    if (this.sources.has(stream) || this.binding.has(stream)) return;
    this.binding.add(stream);
    this.bind(topic, pattern)
      .then(this.onAdded, (error: unknown) =>
        this.context.logger.warn(`Could not bind ${topic} to ${this.queue}`, {
          error: errorMessage(error),
        }),
      )
      .finally(() => this.binding.delete(stream));
  }

  /** Streams or groups vanished (Redis restarted without persistence): create them again from 0. */
  async redeclare(): Promise<void> {
    for (const [stream, source] of this.sources) {
      try {
        if (source.topic === undefined)
          await createGroup(this.context.redis, stream, this.queue, '0');
        else await this.bind(source.topic, source.pattern as string, '0');
      } catch (error) {
        this.context.logger.warn(`Declaring ${stream} for ${this.queue} again failed`, {
          error: errorMessage(error),
        });
      }
    }
  }

  private async bind(topic: string, pattern: string, startOverride = ''): Promise<void> {
    const { scripts, topology } = this.context;
    const stream = topology.streamOf(topic);
    await scripts.declareBinding(
      topology.bindings(this.queue),
      stream,
      pattern,
      this.queue,
      startOverride,
    );
    this.sources.set(stream, { topic, pattern, entrySource: { topic, fallbackTopic: topic } });
  }
}
