import { DELAY_BUCKETS, MAX_BUCKET_MS, MIN_BUCKET_MS, delayBucket } from './delay-buckets';
import { DelayOutOfRangeError } from './errors';

describe('delay buckets', () => {
  it('rounds a delay up to the next bucket, never down', () => {
    expect(delayBucket(50)).toBe(50);
    expect(delayBucket(51)).toBe(60);
    expect(delayBucket(1_000)).toBe(1_000);
    expect(delayBucket(1_001)).toBe(1_200);
    expect(delayBucket(1)).toBe(MIN_BUCKET_MS);
  });

  it('keeps every bucket within a third of the previous one, so a delay is at most a third late', () => {
    for (let i = 1; i < DELAY_BUCKETS.length; i++) {
      expect(DELAY_BUCKETS[i] / DELAY_BUCKETS[i - 1]).toBeLessThanOrEqual(4 / 3 + 1e-9);
    }
  });

  it('stays below the longest TTL RabbitMQ accepts and refuses a longer delay', () => {
    expect(Math.max(...DELAY_BUCKETS)).toBe(MAX_BUCKET_MS);
    expect(MAX_BUCKET_MS).toBeLessThan(2 ** 32);
    expect(() => delayBucket(MAX_BUCKET_MS + 1)).toThrow(DelayOutOfRangeError);
  });
});
