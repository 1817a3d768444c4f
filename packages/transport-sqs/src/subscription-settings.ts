import { ConfigurationError, type SubscriptionSpec } from '@switchyard/core';
import { type ResolvedSqsOptions, checkRange } from './options';

/** How one subscription polls, after `@Consumer({ transportOptions })` overrides. */
export interface SubscriptionSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly waitTimeSeconds: number;
  /** Long polls kept open at once. */
  readonly receivers: number;
}

/**
 * Reads a consumer's `transportOptions`: `visibilityTimeoutSeconds` and `waitTimeSeconds` override
 * the transport's; `receivers` (default: one per 10 of prefetch, at most 10) sets how many
 * `ReceiveMessage` calls run at once. Unknown keys fail at start-up.
 */
export function subscriptionSettings(
  spec: SubscriptionSpec,
  options: ResolvedSqsOptions,
): SubscriptionSettings {
  const known = ['visibilityTimeoutSeconds', 'waitTimeSeconds', 'receivers'];
  for (const key of Object.keys(spec.transportOptions)) {
    if (!known.includes(key)) {
      throw new ConfigurationError(
        `Queue "${spec.queue}": unknown SQS transportOptions key "${key}"; known: ${known.join(', ')}`,
      );
    }
  }
  const read = (key: string, fallback: number) => {
    const value = spec.transportOptions[key];
    return typeof value === 'number' ? value : fallback;
  };
  const settings = {
    visibilityTimeoutSeconds: read('visibilityTimeoutSeconds', options.visibilityTimeoutSeconds),
    waitTimeSeconds: read('waitTimeSeconds', options.waitTimeSeconds),
    receivers: read('receivers', Math.min(10, Math.ceil(spec.prefetch / 10))),
  };
  checkRange('visibilityTimeoutSeconds', settings.visibilityTimeoutSeconds, 1, 43_200);
  checkRange('waitTimeSeconds', settings.waitTimeSeconds, 0, 20);
  checkRange('receivers', settings.receivers, 1, 100);
  return settings;
}
