import { type HandlerRoute, Switchyard, silentLogger } from '@switchyard/core';
import { loadService } from '../load-service';

/** Options of `switchyard routes`. */
export interface RoutesCommandOptions {
  readonly entry: string;
  readonly json: boolean;
}

/**
 * Prints the topic → queue → handler table of a service without connecting to any broker (the
 * embedded one is used only to resolve the declarations).
 */
export async function routesCommand(
  options: RoutesCommandOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  const service = loadService(options.entry);
  const app = await Switchyard.create({
    ...service,
    transport: 'memory://switchyard-routes',
    logger: silentLogger,
  });
  const rows = app.routes.map(describeRoute);
  if (options.json) {
    out.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  out.write(
    formatTable(
      ['topic', 'kind', 'group', 'queue', 'handler', 'guarantee', 'concurrency', 'retries'],
      rows,
    ),
  );
}

/** One line of the route table. */
export function describeRoute(route: HandlerRoute): Record<string, string> {
  return {
    topic: route.patterns.join(', '),
    kind: route.kind,
    group: route.group,
    queue: route.queue,
    handler: route.name,
    guarantee: route.guarantee,
    concurrency: String(route.concurrency),
    retries: String(route.retry.attempts - 1),
  };
}

/** A plain-text table with aligned columns. */
export function formatTable(
  columns: readonly string[],
  rows: readonly Record<string, string>[],
): string {
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(columns.map((c) => row[c] ?? ''))),
  ]
    .map((text) => `${text}\n`)
    .join('');
}
