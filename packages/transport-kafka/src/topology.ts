import { type TopicMatcher, compilePattern, isWildcard } from '@switchyard/core';
import { KafkaTopicNameError } from './errors';

const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Names of the Kafka objects the transport uses. A Switchyard topic is the Kafka topic of the
 * same name; a queue is a consumer group of the same name. Switchyard's own topics start with
 * the internal prefix (default `__swy`), so wildcard subscriptions never see them.
 */
export class Topology {
  constructor(private readonly prefix: string) {}

  /** Copies of a queue's messages waiting for their retry (or delayed) delivery. */
  retryTopic(queue: string): string {
    return checked(`${this.prefix}.retry.${queue}`);
  }

  /** A queue's dead letters. */
  deadLetterTopic(queue: string): string {
    return checked(`${this.prefix}.dlq.${queue}`);
  }

  /** The queue whose dead-letter topic `topic` is, or `undefined` when it is none. */
  deadLetterQueue(topic: string): string | undefined {
    const prefix = `${this.prefix}.dlq.`;
    return topic.startsWith(prefix) && topic.length > prefix.length
      ? topic.slice(prefix.length)
      : undefined;
  }

  /** One transport instance's RPC replies; also the name of the group that reads them. */
  replyTopic(instanceId: string): string {
    return checked(`${this.prefix}.reply.${instanceId}`);
  }

  /** Whether `topic` is one a wildcard may match: not Kafka's (`__…`) nor Switchyard's own. */
  isUserTopic(topic: string): boolean {
    return !topic.startsWith('__') && !topic.startsWith(`${this.prefix}.`);
  }

  /** A predicate over user topics for a subscription's patterns. */
  matcher(patterns: readonly string[]): TopicMatcher {
    const matchers = patterns.map(compilePattern);
    return (topic) => this.isUserTopic(topic) && matchers.some((matches) => matches(topic));
  }
}

/** The patterns of a subscription that name one topic each, checked as Kafka topic names. */
export function exactTopics(patterns: readonly string[]): string[] {
  return patterns.filter((pattern) => !isWildcard(pattern)).map(checked);
}

/** Whether any pattern is a wildcard (the subscription then watches for new topics). */
export function hasWildcard(patterns: readonly string[]): boolean {
  return patterns.some(isWildcard);
}

/** Names already checked (publishing checks every message's topic; most repeat). */
const valid = new Set<string>();

/** `topic` itself, or `KafkaTopicNameError` when Kafka would refuse the name. */
export function checked(topic: string): string {
  if (valid.has(topic)) return topic;
  if (!KAFKA_TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new KafkaTopicNameError(topic);
  }
  if (valid.size < 10_000) valid.add(topic);
  return topic;
}
