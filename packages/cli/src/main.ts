import { parseArgs } from 'node:util';
import { SwitchyardError, errorMessage } from '@switchyard/core';
import { CliUsageError, ExitCode } from './cli-error';
import { type DlqCommandOptions, dlqCommand } from './commands/dlq.command';
import { newCommand } from './commands/new.command';
import { routesCommand } from './commands/routes.command';
import { startCommand } from './commands/start.command';

const HELP = `Usage: switchyard <command> [options]

Commands:
  start <entry>          Run the consumers a service module exports, until SIGTERM/SIGINT
  routes <entry>         Print the topic → queue → handler table of a service module
  new <name>             Scaffold a service: a consumer, an RPC handler, a test, a README
  dlq list               List dead letters: reason, attempts, original topic, age
  dlq show <id>…         Show dead letters in full: headers and body
  dlq replay <id>…|--all Put dead letters back into their queue as first attempts
  dlq purge              Delete the dead letters (asks first unless --yes)

Options of start:
  --transport URL      memory://, amqp://…, kafka://…, redis://…, sqs://…
                       (default: the service's, else $SWITCHYARD_TRANSPORT, else memory://)
  --concurrency N      handle up to N messages at once per handler (overrides the declarations)
  --namespace NS       prefix every topic and queue with NS. (default: the service's, else
                       $SWITCHYARD_NAMESPACE, else none)
  --http-port N        serve /metrics and /health on port N (default 9464; 0 picks a free port)
  --json               log one JSON object per line

Options of routes:
  --json               print the table as JSON

Options of new:
  --dir PATH           create the service folder under PATH (default: here)
  --from-registry      depend on published @switchyard packages instead of this checkout's

Options of dlq:
  --transport URL      the broker (required)
  --queue Q | --group G  one queue (<group>.<method>), or every queue of a consumer group
  --limit N            read at most N dead letters per queue (default 100)
  --to-topic           replay: publish to the original topic (every group) instead of the queue
  --yes                purge: do not ask for confirmation
  --json               machine-readable output

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
        namespace: { type: 'string' },
        'http-port': { type: 'string' },
        json: { type: 'boolean', default: false },
        dir: { type: 'string', default: '.' },
        'from-registry': { type: 'boolean', default: false },
        queue: { type: 'string' },
        group: { type: 'string' },
        limit: { type: 'string' },
        all: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        'to-topic': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, target, ...extra] = positionals;
    if (values.help || command === undefined || command === 'help') {
      out.write(HELP);
      return ExitCode.ok;
    }
    if (command === 'dlq') {
      await dlqCommand(
        {
          action: dlqAction(target),
          transport: required(values.transport, '--transport', 'switchyard dlq'),
          queue: values.queue,
          group: values.group,
          ids: extra,
          all: values.all,
          yes: values.yes,
          toTopic: values['to-topic'],
          limit: optionalInteger(values.limit, '--limit') ?? 100,
          json: values.json,
        },
        out,
        process.stdin,
        err,
      );
      return ExitCode.ok;
    }
    if (!['start', 'routes', 'new'].includes(command))
      throw new CliUsageError(`Unknown command "${command}"`);
    const what = command === 'new' ? '<name>' : '<entry> module';
    if (target === undefined) throw new CliUsageError(`"switchyard ${command}" needs a ${what}`);
    if (extra.length > 0) throw new CliUsageError(`Unexpected argument(s): ${extra.join(' ')}`);
    if (command === 'new') {
      newCommand(
        { name: target, directory: values.dir, fromRegistry: values['from-registry'] },
        out,
      );
      return ExitCode.ok;
    }
    if (command === 'routes') {
      await routesCommand({ entry: target, json: values.json }, out);
      return ExitCode.ok;
    }
    await startCommand(
      {
        entry: target,
        transport: values.transport,
        concurrency: optionalInteger(values.concurrency, '--concurrency'),
        namespace: values.namespace,
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

const DLQ_ACTIONS = ['list', 'show', 'replay', 'purge'] as const;

function dlqAction(action: string | undefined): DlqCommandOptions['action'] {
  const known = DLQ_ACTIONS.find((candidate) => candidate === action);
  if (!known) throw new CliUsageError(`"switchyard dlq" takes one of ${DLQ_ACTIONS.join(', ')}`);
  return known;
}

function required(value: string | undefined, flag: string, command: string): string {
  if (value === undefined) throw new CliUsageError(`"${command}" needs ${flag}`);
  return value;
}

function optionalInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new CliUsageError(`${flag} must be a non-negative integer, got "${value}"`);
  return parsed;
}
