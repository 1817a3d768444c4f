/**
 * What every benchmark module shares: the shape of a result row and the arithmetic. A module
 * measures Switchyard and the broker's raw client in the same run, on the same broker, and
 * reports both; `run.ts` prints the rows and their ratio.
 */

/** One measured side of a comparison. */
export interface Measurement {
  /** Messages per second over the whole run. */
  readonly perSecond: number;
  /** Latency percentiles in milliseconds (publish → handled), where the scenario measures latency. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** One scenario: Switchyard against a baseline doing the same work. */
export interface BenchRow {
  readonly transport: string;
  /** e.g. `publish (confirmed)`, `consume + ack`, `pipeline, validation on`. */
  readonly scenario: string;
  readonly messages: number;
  readonly switchyard: Measurement;
  /** The raw client (or a bare handler loop, for the memory transport). */
  readonly baseline: Measurement;
  /** What the baseline is, e.g. `raw amqplib`. */
  readonly baselineName: string;
}

/** A benchmark module: `bench/<name>.bench.ts` exports one as `benchmark`. */
export interface Benchmark {
  readonly name: string;
  /** Resolves to false (with a reason printed) when its broker is not reachable. */
  available(): Promise<boolean>;
  run(messages: number): Promise<BenchRow[]>;
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Throughput and latency of a run that handled `count` messages in `elapsedMs`. */
export function measure(count: number, elapsedMs: number, latenciesMs: number[] = []): Measurement {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    perSecond: (count / elapsedMs) * 1000,
    ...(sorted.length > 0 ? { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) } : {}),
  };
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** Resolves when `condition()` holds, checking every `intervalMs`; rejects after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 2,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Benchmark timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The payload every benchmark sends: small, with the send time for latency. */
export interface BenchOrder {
  readonly orderId: string;
  readonly total: number;
  /** `now()` when it was published. */
  readonly sentAt: number;
}

/** The `i`-th order of a run, stamped with the current time. */
export function benchOrder(i: number): BenchOrder {
  return { orderId: `o-${i}`, total: i, sentAt: now() };
}

/** What a consuming side records: how many arrived, their latencies, when the first came. */
export interface Sink {
  handled: number;
  latencies: number[];
  /** When the first message reached the handler: a backlog is timed from there. */
  firstAt: number;
}

/** Runs `publish(0…count-1)` with at most `window` in flight; resolves when all have resolved. */
export async function windowed(
  count: number,
  window: number,
  publish: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await publish(next++);
  };
  await Promise.all(Array.from({ length: window }, lane));
}
