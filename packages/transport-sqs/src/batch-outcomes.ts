import { SqsEntryFailedError } from './errors';

/** A failed entry of an AWS batch response (`Failed[]` of every batch call). */
export interface FailedEntry {
  readonly Id?: string | undefined;
  readonly Code?: string | undefined;
  readonly Message?: string | undefined;
  readonly SenderFault?: boolean | undefined;
}

/**
 * Each entry's outcome, by position, from a batch response whose entries had ids `"0"`, `"1"`…:
 * undefined for success, an `SqsEntryFailedError` for a failed entry.
 */
export function batchOutcomes(
  operation: string,
  count: number,
  failed: readonly FailedEntry[] | undefined,
): (Error | undefined)[] {
  const outcomes: (Error | undefined)[] = new Array(count).fill(undefined);
  for (const entry of failed ?? []) {
    outcomes[Number(entry.Id)] = new SqsEntryFailedError(
      operation,
      entry.Code ?? 'Unknown',
      entry.Message ?? 'no reason given',
      entry.SenderFault ?? false,
    );
  }
  return outcomes;
}
