import { InvalidTopicError, assertValidTopic } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { toTransportError } from './errors';

/**
 * Names of everything the transport keeps in Redis. Topics map to streams under `streamPrefix`
 * (default none: the stream of `orders.created` is `orders.created`); everything else lives under
 * `namespace` (default `swy:`):
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `<streamPrefix><topic>` | stream | the topic's messages; one consumer group per queue |
 * | `<ns>queue:<queue>` | stream | retried copies for one queue only (group = the queue) |
 * | `<ns>dlq:<queue>` | stream | the queue's dead letters |
 * | `<ns>bindings:<queue>` | hash | pattern → when it was first bound (ms, Redis clock) |
 * | `<ns>topics` | set + channel | topics published through Switchyard; new ones announced |
 * | `<ns>delayed` | sorted set | due time → id of a delayed message or retry |
 * | `<ns>delayed:<id>` | hash | that message's fields and its target stream |
 * | `<ns>reply:<instance>` | stream | one instance's RPC replies |
 */
export class RedisTopology {
  /** The sorted set of delayed messages and retries. */
  readonly delayedSet: string;
  /** Prefix of one delayed message's hash; the id follows. */
  readonly delayedEntryPrefix: string;
  /** Set of topics published through Switchyard, and the channel announcing new ones. */
  readonly topicRegistry: string;

  constructor(
    readonly streamPrefix: string,
    readonly namespace: string,
  ) {
    this.delayedSet = `${namespace}delayed`;
    this.delayedEntryPrefix = `${namespace}delayed:`;
    this.topicRegistry = `${namespace}topics`;
  }

  /** The stream of a topic. Throws `InvalidTopicError` for a topic in the reserved namespace. */
  streamOf(topic: string): string {
    const key = this.streamPrefix + topic;
    if (key.startsWith(this.namespace)) {
      throw new InvalidTopicError(
        `Topic "${topic}" maps to the key "${key}", inside Switchyard's reserved namespace "${this.namespace}"; rename the topic or change the namespace`,
      );
    }
    return key;
  }

  /** The topic of a stream key, or `undefined` when the key is not a topic stream. */
  topicOf(key: string): string | undefined {
    if (!key.startsWith(this.streamPrefix) || key.startsWith(this.namespace)) return undefined;
    const topic = key.slice(this.streamPrefix.length);
    try {
      assertValidTopic(topic);
      return topic;
    } catch {
      return undefined;
    }
  }

  /** The stream carrying retried copies of one queue's messages. */
  queueStream(queue: string): string {
    return `${this.namespace}queue:${queue}`;
  }

  /** The dead-letter stream of a queue. */
  deadLetterStream(queue: string): string {
    return `${this.namespace}dlq:${queue}`;
  }

  /** The hash recording when each of a queue's patterns was first bound. */
  bindings(queue: string): string {
    return `${this.namespace}bindings:${queue}`;
  }

  /** The reply stream of one transport instance. */
  replyStream(instance: string): string {
    return `${this.namespace}reply:${instance}`;
  }

  /** Whether an address names a reply stream of this namespace. */
  isReplyStream(address: string): boolean {
    return address.startsWith(`${this.namespace}reply:`);
  }

  /** `SCAN MATCH` pattern covering every topic stream. */
  get streamScanPattern(): string {
    return `${escapeGlob(this.streamPrefix)}*`;
  }

  /** `SCAN MATCH` pattern covering every dead-letter stream. */
  get deadLetterScanPattern(): string {
    return `${escapeGlob(this.deadLetterStream(''))}*`;
  }

  /** `SCAN MATCH` pattern covering every queue's bindings hash. */
  get bindingsScanPattern(): string {
    return `${escapeGlob(this.bindings(''))}*`;
  }

  /** The queue of a dead-letter stream or bindings key, `undefined` for any other key. */
  queueOf(key: string): string | undefined {
    for (const prefix of [this.deadLetterStream(''), this.bindings('')]) {
      if (key.startsWith(prefix) && key.length > prefix.length) return key.slice(prefix.length);
    }
    return undefined;
  }
}

/** `text` with the characters special to `SCAN MATCH` escaped. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Creates `group` on `stream` (and the stream) from `start`; an existing group is left as it is. */
export async function createGroup(
  redis: Redis,
  stream: string,
  group: string,
  start: string,
): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, start, 'MKSTREAM');
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return;
    throw toTransportError(error, `create group "${group}" on "${stream}"`);
  }
}
