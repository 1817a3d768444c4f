/** Sends one batch request; resolves to each entry's outcome (an error, or undefined for success). */
export type SendBatch<T> = (values: readonly T[]) => Promise<readonly (Error | undefined)[]>;

/** How a `Batcher` groups entries. */
export interface BatcherOptions<T> {
  /** How long the first entry waits for company; 0 waits for the current tick only. */
  readonly lingerMs: number;
  /** Most entries per request. Default 10, AWS's limit for every batch call. */
  readonly maxEntries?: number;
  /** Most bytes per request. Default 262 144, AWS's limit for a batch's total payload. */
  readonly maxBytes?: number;
  /** Most requests at once. Default 16. */
  readonly maxInFlight?: number;
  /** Bytes an entry counts against `maxBytes`. Default 0. */
  readonly sizeOf?: (value: T) => number;
  /**
   * Entries of one group are never in two requests at once and keep their order (FIFO message
   * groups), so a later request cannot overtake an earlier one of the group.
   */
  readonly groupOf?: (value: T) => string;
}

interface Pending<T> {
  readonly value: T;
  readonly size: number;
  readonly group: string | undefined;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Collects single operations into batch requests (`PublishBatch`, `SendMessageBatch`,
 * `DeleteMessageBatch`…): a request leaves when 10 entries are waiting or when the linger ends,
 * and each caller's promise settles with its own entry's outcome.
 */
export class Batcher<T> {
  private pending: Pending<T>[] = [];
  private inFlight = 0;
  private readonly busyGroups = new Set<string>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private idle: (() => void)[] = [];
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly send: SendBatch<T>,
    private readonly options: BatcherOptions<T>,
  ) {
    this.maxEntries = options.maxEntries ?? 10;
    this.maxBytes = options.maxBytes ?? 262_144;
    this.maxInFlight = options.maxInFlight ?? 16;
  }

  /** Queues one entry; resolves once the request carrying it says the entry succeeded. */
  add(value: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({
        value,
        size: this.options.sizeOf?.(value) ?? 0,
        group: this.options.groupOf?.(value),
        resolve,
        reject,
      });
      if (this.pending.length >= this.maxEntries) this.drain();
      else this.schedule();
    });
  }

  /** Sends everything queued now and resolves once no request is outstanding. */
  flush(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    this.cancelTimer();
    this.drain();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.timer) return;
    const fire = () => {
      this.timer = undefined;
      this.drain();
    };
    this.timer =
      this.options.lingerMs > 0 ? setTimeout(fire, this.options.lingerMs) : setImmediate(fire);
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    if (this.options.lingerMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private drain(): void {
    while (this.pending.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.take();
      if (batch.length === 0) break;
      void this.dispatch(batch);
    }
    if (this.pending.length > 0) this.schedule();
    else this.cancelTimer();
  }

  /** Takes the next request's entries, in order, skipping groups that are in flight. */
  private take(): Pending<T>[] {
    if (!this.options.groupOf) {
      let count = 0;
      let bytes = 0;
      for (const entry of this.pending) {
        if (count === this.maxEntries || (count > 0 && bytes + entry.size > this.maxBytes)) break;
        bytes += entry.size;
        count++;
      }
      return this.pending.splice(0, count);
    }
    const batch: Pending<T>[] = [];
    const rest: Pending<T>[] = [];
    let bytes = 0;
    let full = false;
    for (const entry of this.pending) {
      const blocked = entry.group !== undefined && this.busyGroups.has(entry.group);
      if (!full && !blocked && (batch.length === 0 || bytes + entry.size <= this.maxBytes)) {
        batch.push(entry);
        bytes += entry.size;
        full = batch.length === this.maxEntries;
      } else {
        full ||= !blocked;
        rest.push(entry);
      }
    }
    this.pending = rest;
    for (const entry of batch) if (entry.group !== undefined) this.busyGroups.add(entry.group);
    return batch;
  }

  private async dispatch(batch: Pending<T>[]): Promise<void> {
    this.inFlight++;
    try {
      const outcomes = await this.send(batch.map((entry) => entry.value));
      batch.forEach((entry, index) => {
        const error = outcomes[index];
        if (error) entry.reject(error);
        else entry.resolve();
      });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const entry of batch) entry.reject(failure);
    }
    this.inFlight--;
    for (const entry of batch) if (entry.group !== undefined) this.busyGroups.delete(entry.group);
    if (this.pending.length > 0) this.drain();
    else if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
