import {
  type DeadLetter,
  type DeadLetterAccess,
  DeadLetterHeaders,
  type Switchyard,
  type Transport,
  hasDeadLetterAccess,
} from '@switchyard/core';
import type { ActivityLog } from './activity-log';
import type { Expectations } from './scenarios';

/** Sums `messages_processed_total` by status over the apps. */
export async function processedByStatus(apps: readonly Switchyard[]): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const app of apps) {
    for (const { labels, value } of (await app.metrics.processed.get()).values) {
      const status = String(labels.status);
      totals.set(status, (totals.get(status) ?? 0) + value);
    }
  }
  return totals;
}

/** Handlers whose expected actions have not all happened yet, with how many are missing. */
export function missingActions(logs: readonly ActivityLog[], expectations: Expectations): string[] {
  const missing: string[] = [];
  for (const [handler, expected] of expectations.actions) {
    const done = logs.reduce((sum, log) => sum + log.count(handler), 0);
    if (done < expected) missing.push(`${handler} ${done}/${expected}`);
  }
  return missing;
}

/** Prints the closing summary: outcomes, RPC latency, work split, dead letters with reasons. */
export async function printSummary(
  apps: readonly Switchyard[],
  logs: readonly ActivityLog[],
  expectations: Expectations,
  /** A connection of its own to the broker, to read the dead letters with. */
  inspector: Transport,
): Promise<void> {
  const totals = await processedByStatus(apps);
  const latencies = [...expectations.rpcLatenciesMs].sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)] ?? Number.NaN;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`\nSummary on ${apps[0].transport.name}:`);
  out(
    `  processed ${totals.get('success') ?? 0}, retried ${totals.get('retried') ?? 0}, ` +
      `dead-lettered ${totals.get('dead_lettered') ?? 0}, duplicates skipped ${totals.get('duplicate') ?? 0}`,
  );
  out(
    `  RPC quote latency: p50 ${p50.toFixed(2)} ms, max ${(latencies.at(-1) ?? Number.NaN).toFixed(2)} ms over ${latencies.length} requests`,
  );
  out(
    `  warehouse commands per instance: ${logs.map((log) => `${log.instance} ${log.count('warehouse')}`).join(', ')}`,
  );
  const transport = inspector;
  if (!hasDeadLetterAccess(transport)) return;
  out('  dead letters:');
  const width = Math.max(...apps[0].routes.map((route) => route.queue.length));
  const queues = apps[0].routes.map((route) => route.queue);
  for (const { queue, letter } of await deadLetters(transport, queues, expectations.deadLetters)) {
    const h = letter.headers;
    out(
      `    ${queue.padEnd(width)} ${h[DeadLetterHeaders.reason]} after ${h[DeadLetterHeaders.attempts]} attempt(s): ` +
        `${letter.body.toString('utf8')}\n      ${h[DeadLetterHeaders.error]}`,
    );
  }
}

/**
 * The dead letters of the queues. A handler's verdict is counted before the transport has stored
 * the dead letter, so this reads until the expected number are there (or 15 s have passed).
 */
async function deadLetters(
  transport: Transport & DeadLetterAccess,
  queues: readonly string[],
  expected: number,
): Promise<Array<{ queue: string; letter: DeadLetter }>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found: Array<{ queue: string; letter: DeadLetter }> = [];
    for (const queue of queues) {
      for (const letter of await transport.peekDeadLetters(queue, 20))
        found.push({ queue, letter });
    }
    if (found.length >= expected || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
