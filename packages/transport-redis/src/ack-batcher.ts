import type { Redis } from 'ioredis';
import type { Delivery } from './delivery';

/** Told how the acknowledgement of a delivery given to `AckBatcher.add` ended. */
export type AckListener = (delivery: Delivery, error: unknown) => void;

interface Batch {
  readonly ids: string[];
  /** Deliveries queued with `add`, told through the listener. */
  readonly deliveries: Delivery[];
  /** Created for the first `ack()` caller only: most batches have none. */
  waiters: Waiters | undefined;
}

interface Waiters {
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Collects the acknowledgements of one turn of the event loop and sends one `XACK` per stream
 * with all their ids, instead of one command per message. A settled delivery costs no promise or
 * closure of its own: the listener hears of each once the batch's `XACK` is answered.
 */
export class AckBatcher {
  private batches = new Map<string, Batch>();
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly group: string,
    private readonly listener: AckListener,
    /** Told how many deliveries given to `add` had their `XACK` sent, before Redis answered. */
    private readonly sent: (count: number) => void = () => undefined,
  ) {}

  /** Acknowledges `delivery`'s entry; the listener is told once Redis answered. */
  add(delivery: Delivery): void {
    const batch = this.batchOf(delivery.stream);
    batch.ids.push(delivery.entryId);
    batch.deliveries.push(delivery);
  }

  /** Acknowledges `entryId` of `stream`; resolves once Redis has. */
  ack(stream: string, entryId: string): Promise<void> {
    const batch = this.batchOf(stream);
    batch.ids.push(entryId);
    batch.waiters ??= waiters();
    return batch.waiters.done;
  }

  private batchOf(stream: string): Batch {
    let batch = this.batches.get(stream);
    if (!batch) {
      batch = { ids: [], deliveries: [], waiters: undefined };
      this.batches.set(stream, batch);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return batch;
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.batches;
    this.batches = new Map();
    let count = 0;
    for (const batch of batches.values()) count += batch.deliveries.length;
    for (const [stream, batch] of batches) {
      this.redis.xack(stream, this.group, ...batch.ids).then(
        () => this.done(batch, undefined),
        (error: unknown) => this.done(batch, error ?? new Error('XACK failed')),
      );
    }
    if (count > 0) this.sent(count);
  }

  private done(batch: Batch, error: unknown): void {
    for (const delivery of batch.deliveries) this.listener(delivery, error);
    if (error === undefined) batch.waiters?.resolve();
    else batch.waiters?.reject(error);
  }
}

function waiters(): Waiters {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed batch is reported to each waiter; this keeps it from also being "unhandled".
  done.catch(() => undefined);
  return { done, resolve, reject };
}
