/**
 * `npm run bench [-- <name>…] [--messages N]`: runs the benchmark modules (all, or those named),
 * each comparing Switchyard with a baseline on the same broker in the same run, and prints one
 * table with the ratio. A figure, not a test: nothing here passes or fails on speed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchRow, Benchmark } from './bench-kit';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { messages: { type: 'string', default: '20000' } },
  });
  const messages = Number(values.messages);
  const modules = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.js'))
    .map((file) => file.slice(0, -'.bench.js'.length))
    .filter((name) => positionals.length === 0 || positionals.includes(name));
  const rows: BenchRow[] = [];
  for (const name of modules) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- modules are found at run time
    const { benchmark } = require(join(__dirname, `${name}.bench.js`)) as { benchmark: Benchmark };
    if (!(await benchmark.available())) {
      console.log(`${name}: broker not reachable, skipped`);
      continue;
    }
    console.log(`${name}: running with ${messages} messages…`);
    rows.push(...(await benchmark.run(messages)));
  }
  print(rows);
}

function print(rows: readonly BenchRow[]): void {
  const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '—' : n.toFixed(digits));
  const table = rows.map((row) => ({
    transport: row.transport,
    scenario: row.scenario,
    messages: row.messages,
    'switchyard msg/s': fmt(row.switchyard.perSecond),
    'switchyard p99 ms': fmt(row.switchyard.p99Ms, 2),
    baseline: row.baselineName,
    'baseline msg/s': fmt(row.baseline.perSecond),
    'baseline p99 ms': fmt(row.baseline.p99Ms, 2),
    'ratio (throughput)': (row.switchyard.perSecond / row.baseline.perSecond).toFixed(2),
  }));
  console.table(table);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
