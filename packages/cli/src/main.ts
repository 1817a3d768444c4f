import { parseArgs } from 'node:util';
import { SwitchyardError, errorMessage } from '@switchyard/core';
import { CliUsageError, ExitCode } from './cli-error';
import { routesCommand } from './commands/routes.command';
import { startCommand } from './commands/start.command';

const HELP = `Usage: switchyard <command> [options]

Commands:
  start <entry>    Run the consumers a service module exports, until SIGTERM/SIGINT
  routes <entry>   Print the topic → queue → handler table of a service module

Options of start:
  --transport URL      memory://, amqp://…, kafka://…, redis://…, sqs://…
                       (default: the service's, else $SWITCHYARD_TRANSPORT, else memory://)
  --concurrency N      handle up to N messages at once per handler (overrides the declarations)
  --http-port N        serve /metrics and /health on port N (default 9464; 0 picks a free port)
  --json               log one JSON object per line

Options of routes:
  --json               print the table as JSON

  -h, --help           show this help

<entry> is a compiled JavaScript module exporting \`default defineService({ consumers })\` or
@Consumer classes.

Exit codes: 0 ok, 1 failure, 2 bad command line.
`;

/** Runs the command line; resolves to the exit code, or `undefined` while a worker keeps running. */
export async function main(
  argv: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number | undefined> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        transport: { type: 'string' },
        concurrency: { type: 'string' },
        'http-port': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, entry, ...extra] = positionals;
    if (values.help || command === undefined || command === 'help') {
      out.write(HELP);
      return ExitCode.ok;
    }
    if (command !== 'start' && command !== 'routes')
      throw new CliUsageError(`Unknown command "${command}"`);
    if (entry === undefined)
      throw new CliUsageError(`"switchyard ${command}" needs an <entry> module`);
    if (extra.length > 0) throw new CliUsageError(`Unexpected argument(s): ${extra.join(' ')}`);
    if (command === 'routes') {
      await routesCommand({ entry, json: values.json }, out);
      return ExitCode.ok;
    }
    await startCommand(
      {
        entry,
        transport: values.transport,
        concurrency: optionalInteger(values.concurrency, '--concurrency'),
        httpPort: optionalInteger(values['http-port'], '--http-port') ?? 9464,
        json: values.json,
      },
      out,
    );
    return undefined;
  } catch (error) {
    const usage =
      error instanceof CliUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    err.write(`switchyard: ${errorMessage(error)}\n`);
    if (usage) {
      err.write('Run "switchyard --help" for usage.\n');
      return ExitCode.usage;
    }
    if (!(error instanceof SwitchyardError) && error instanceof Error && error.stack)
      err.write(`${error.stack}\n`);
    return ExitCode.failure;
  }
}

function optionalInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new CliUsageError(`${flag} must be a non-negative integer, got "${value}"`);
  return parsed;
}
