import { compilePattern } from '@switchyard/core';
import type { Received } from './inbound';

/**
 * What becomes of a received message before any handler sees it:
 * - `deliver`: buffer it for a handler;
 * - `hold`: it was published with a delay that is not yet due — make it invisible until then;
 * - `drop`: its topic matches none of the queue's patterns (SNS filters only approximate `*` and
 *   inner `#`) — delete it;
 * - `release`: on a FIFO queue, an earlier message of its group was held — give it back at once,
 *   so it is not handled before that one.
 */
export type Intake = 'deliver' | 'hold' | 'drop' | 'release';

/** Whether a topic matches any of the patterns. */
export type PatternSet = (topic: string) => boolean;

/** Compiles a queue's patterns once. */
export function patternSet(patterns: readonly string[]): PatternSet {
  const matchers = patterns.map(compilePattern);
  return (topic) => {
    for (const matcher of matchers) if (matcher(topic)) return true;
    return false;
  };
}

/**
 * Decides, in receive order, what becomes of each message of a receive. A message that names no
 * topic (sent straight to the queue) is always for this queue.
 */
export function sortIntake(
  received: readonly Received[],
  now: number,
  matches: PatternSet,
): Intake[] {
  const heldGroups = new Set<string>();
  return received.map((message): Intake => {
    if (message.group !== undefined && heldGroups.has(message.group)) return 'release';
    if (message.deliverAt !== undefined && message.deliverAt > now) {
      if (message.group !== undefined) heldGroups.add(message.group);
      return 'hold';
    }
    if (message.routed && !matches(message.message.topic)) return 'drop';
    return 'deliver';
  });
}
