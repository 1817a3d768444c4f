/** How a delivery ended, as the `status` label of `messages_processed_total`. */
export type ProcessingStatus = 'success' | 'retried' | 'dead_lettered' | 'skipped' | 'duplicate';

/** Every status, in the order they are reported. */
export const PROCESSING_STATUSES: readonly ProcessingStatus[] = [
  'success',
  'retried',
  'dead_lettered',
  'skipped',
  'duplicate',
];

/**
 * One queue's counters as plain numbers. The hot path only adds to them; the Prometheus metrics
 * read them when scraped, so recording a message costs no label hashing and no allocation.
 */
export class QueueMetrics {
  readonly processed: Record<ProcessingStatus, number> = {
    success: 0,
    retried: 0,
    dead_lettered: 0,
    skipped: 0,
    duplicate: 0,
  };
  inFlight = 0;
  /** Observations per bucket (not cumulative); the last slot is `+Inf`. */
  readonly bucketCounts: number[];
  durationSum = 0;
  durationCount = 0;

  constructor(
    readonly queue: string,
    /** Upper bounds of the duration histogram, ascending, in seconds. */
    readonly bounds: readonly number[],
  ) {
    this.bucketCounts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Records one processing time, in seconds. */
  observe(seconds: number): void {
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && seconds > bounds[index]) index++;
    this.bucketCounts[index]++;
    this.durationSum += seconds;
    this.durationCount++;
  }
}
