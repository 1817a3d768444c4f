import { DelayOutOfRangeError } from './errors';

/** The steps of one decade; neighbours are at most a third apart. */
const STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

/** Shortest delay a bucket holds; shorter positive delays wait this long. */
export const MIN_BUCKET_MS = 10;

/** Longest delay: RabbitMQ takes TTLs up to 2³²−1 ms, and this is the last bucket below it. */
export const MAX_BUCKET_MS = 4_000_000_000;

/**
 * The delays RabbitMQ is asked for. A delay is rounded **up** to the next bucket, so a message is
 * never early and at most a third late; each bucket is one TTL queue, so expiry happens at the
 * queue's head in order (per-message TTLs in one queue would only expire at the head).
 */
export const DELAY_BUCKETS: readonly number[] = buildBuckets();

function buildBuckets(): number[] {
  const buckets: number[] = [];
  for (let decade = MIN_BUCKET_MS; decade <= MAX_BUCKET_MS; decade *= 10) {
    for (const step of STEPS) {
      const bucket = Math.round(decade * step);
      if (bucket <= MAX_BUCKET_MS) buckets.push(bucket);
    }
  }
  return buckets;
}

/** The bucket a delay waits in: the smallest one at least as long. Throws past the last. */
export function delayBucket(delayMs: number): number {
  if (delayMs > MAX_BUCKET_MS) throw new DelayOutOfRangeError(delayMs, MAX_BUCKET_MS);
  let low = 0;
  let high = DELAY_BUCKETS.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (DELAY_BUCKETS[middle] < delayMs) low = middle + 1;
    else high = middle;
  }
  return DELAY_BUCKETS[low];
}
