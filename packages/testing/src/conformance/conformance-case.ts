import type { TransportCapabilities } from '@switchyard/core';
import type { ConformanceHarness } from './harness';

/**
 * What a case needs beyond the basics: a capability, a hook of the suite's options, or the
 * `DeadLetterAdmin` ability (unless the suite was told the transport has none).
 */
export type CaseRequirement = keyof TransportCapabilities | 'dropConnections' | 'deadLetterAdmin';

/** One behaviour of the delivery model, checked against a real broker. */
export interface ConformanceCase {
  /** A sentence about behaviour. */
  readonly name: string;
  /** What it needs; all of them when several. */
  readonly requires?: CaseRequirement | readonly CaseRequirement[];
  /** Jest timeout before scaling. Default 30 000. */
  readonly timeoutMs?: number;
  run(harness: ConformanceHarness): Promise<void>;
}
