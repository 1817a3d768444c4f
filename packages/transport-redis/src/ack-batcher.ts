import type { Redis } from 'ioredis';

interface Batch {
  readonly ids: string[];
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Collects the acknowledgements of one turn of the event loop and sends one `XACK` per stream
 * with all their ids, instead of one command per message.
 */
export class AckBatcher {
  private batches = new Map<string, Batch>();
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly group: string,
  ) {}

  /** Acknowledges `entryId` of `stream`; resolves once Redis has. */
  ack(stream: string, entryId: string): Promise<void> {
    let batch = this.batches.get(stream);
    if (!batch) {
      batch = { ids: [], waiters: [] };
      this.batches.set(stream, batch);
    }
    batch.ids.push(entryId);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const waiters = batch.waiters;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.batches;
    this.batches = new Map();
    for (const [stream, { ids, waiters }] of batches) {
      this.redis.xack(stream, this.group, ...ids).then(
        () => waiters.forEach((waiter) => waiter.resolve()),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      );
    }
  }
}
