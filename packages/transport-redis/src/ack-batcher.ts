import type { Redis } from 'ioredis';

interface Batch {
  readonly ids: string[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Collects the acknowledgements of one turn of the event loop and sends one `XACK` per stream
 * with all their ids, instead of one command per message. Every ack of a batch shares its promise.
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
      batch = newBatch();
      this.batches.set(stream, batch);
    }
    batch.ids.push(entryId);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return batch.done;
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.batches;
    this.batches = new Map();
    for (const [stream, batch] of batches) {
      this.redis.xack(stream, this.group, ...batch.ids).then(
        () => batch.resolve(),
        (error: unknown) => batch.reject(error),
      );
    }
  }
}

function newBatch(): Batch {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed batch is reported to each waiter; this keeps it from also being "unhandled".
  done.catch(() => undefined);
  return { ids: [], done, resolve, reject };
}
