import { createInterface } from 'node:readline/promises';
import {
  ConsoleLogger,
  type DeadLetter,
  type DeadLetterAdmin,
  type DeadLetterSummary,
  type Transport,
  acceptsLogger,
  createTransport,
  freshAttempt,
  hasDeadLetterAdmin,
  replayDeadLetters,
  summarizeDeadLetter,
} from '@switchyard/core';
import { CliUsageError } from '../cli-error';
import { formatTable } from './routes.command';

/** Options of `switchyard dlq`. */
export interface DlqCommandOptions {
  readonly action: 'list' | 'show' | 'replay' | 'purge';
  readonly transport: string;
  /** One queue (`billing.invoice`)… */
  readonly queue: string | undefined;
  /** …or every queue of a consumer group (`billing`). */
  readonly group: string | undefined;
  /** Message ids for `show` and `replay`. */
  readonly ids: readonly string[];
  /** `replay --all`. */
  readonly all: boolean;
  /** `purge --yes`: do not ask. */
  readonly yes: boolean;
  /** `replay --to-topic`: publish to the original topic (every subscribed group) instead of the queue. */
  readonly toTopic: boolean;
  readonly limit: number;
  readonly json: boolean;
}

type Output = NodeJS.WritableStream;

/** Lists, shows, replays or purges dead letters on any transport that manages them. */
export async function dlqCommand(
  options: DlqCommandOptions,
  out: Output,
  input: NodeJS.ReadableStream = process.stdin,
  diagnostics: Output = process.stderr,
): Promise<void> {
  const transport = createTransport(options.transport);
  // stdout is the command's output (--json is piped on); what the transport has to say is not.
  if (acceptsLogger(transport)) transport.useLogger(new ConsoleLogger('text', diagnostics));
  if (!hasDeadLetterAdmin(transport)) {
    throw new CliUsageError(
      `The ${transport.name} transport cannot manage dead letters (it does not implement DeadLetterAdmin)`,
    );
  }
  await transport.connect();
  try {
    const queues = await resolveQueues(transport, options);
    switch (options.action) {
      case 'list':
        return await list(transport, queues, options, out);
      case 'show':
        return await show(transport, queues, options, out);
      case 'replay':
        return await replay(transport, queues, options, out);
      case 'purge':
        return await purge(transport, queues, options, out, input);
    }
  } finally {
    await transport.close();
  }
}

async function resolveQueues(
  admin: DeadLetterAdmin,
  options: DlqCommandOptions,
): Promise<string[]> {
  if (options.queue !== undefined) return [options.queue];
  if (options.group === undefined)
    throw new CliUsageError('Say which dead letters: --queue <queue> or --group <group>');
  const all = await admin.listDeadLetterQueues();
  if (all === undefined) {
    throw new CliUsageError(
      'This transport cannot list its queues; pass --queue <group>.<method> instead of --group',
    );
  }
  const group = options.group;
  return all.filter((queue) => queue === group || queue.startsWith(`${group}.`));
}

async function collect(
  admin: DeadLetterAdmin,
  queues: readonly string[],
  limit: number,
): Promise<Array<{ queue: string; letter: DeadLetter }>> {
  const found: Array<{ queue: string; letter: DeadLetter }> = [];
  for (const queue of queues) {
    for (const letter of await admin.peekDeadLetters(queue, limit)) found.push({ queue, letter });
  }
  return found;
}

async function list(
  admin: DeadLetterAdmin,
  queues: readonly string[],
  options: DlqCommandOptions,
  out: Output,
): Promise<void> {
  const summaries = (await collect(admin, queues, options.limit)).map(({ queue, letter }) =>
    summarizeDeadLetter(queue, letter),
  );
  if (options.json) {
    out.write(`${JSON.stringify(summaries, null, 2)}\n`);
    return;
  }
  if (summaries.length === 0) {
    out.write(
      `No dead letters in ${queues.length ? queues.join(', ') : 'any queue of that group'}.\n`,
    );
    return;
  }
  const rows = summaries.map((s) => ({
    queue: s.queue,
    id: s.id,
    reason: s.reason,
    attempts: String(s.attempts),
    topic: s.originalTopic,
    age: formatAge(s),
    error: s.error.length > 60 ? `${s.error.slice(0, 57)}...` : s.error,
  }));
  out.write(formatTable(['queue', 'id', 'reason', 'attempts', 'topic', 'age', 'error'], rows));
}

async function show(
  admin: DeadLetterAdmin,
  queues: readonly string[],
  options: DlqCommandOptions,
  out: Output,
): Promise<void> {
  if (options.ids.length === 0) throw new CliUsageError('"switchyard dlq show" needs a message id');
  const wanted = new Set(options.ids);
  const found = (await collect(admin, queues, options.limit)).filter(({ letter }) =>
    wanted.has(letter.id),
  );
  if (found.length === 0)
    throw new CliUsageError(
      `No dead letter with id ${options.ids.join(', ')} in ${queues.join(', ')}`,
    );
  const details = found.map(({ queue, letter }) => ({
    ...summarizeDeadLetter(queue, letter),
    key: letter.key,
    headers: letter.headers,
    body: letter.body.toString('utf8'),
  }));
  out.write(
    options.json ? `${JSON.stringify(details, null, 2)}\n` : details.map(describe).join('\n'),
  );
}

async function replay(
  admin: DeadLetterAdmin & Transport,
  queues: readonly string[],
  options: DlqCommandOptions,
  out: Output,
): Promise<void> {
  if (!options.all && options.ids.length === 0)
    throw new CliUsageError('Say what to replay: message ids, or --all');
  const wanted = new Set(options.ids);
  let total = 0;
  for (const queue of queues) {
    const letters = (await admin.peekDeadLetters(queue, options.limit)).filter(
      (letter) => options.all || wanted.has(letter.id),
    );
    if (options.toTopic) {
      for (const letter of letters) {
        await admin.publish(freshAttempt(letter));
        await admin.deleteDeadLetters(queue, [letter.id]);
      }
      total += letters.length;
    } else {
      total += (await replayDeadLetters(admin, queue, letters)).length;
    }
  }
  out.write(
    `Replayed ${total} dead letter(s) ${options.toTopic ? 'to their original topics' : 'into their queues'}.\n`,
  );
}

async function purge(
  admin: DeadLetterAdmin,
  queues: readonly string[],
  options: DlqCommandOptions,
  out: Output,
  input: NodeJS.ReadableStream,
): Promise<void> {
  if (!options.yes) {
    if (!(input as { isTTY?: boolean }).isTTY)
      throw new CliUsageError('Purging needs confirmation: pass --yes when not at a terminal');
    const prompt = createInterface({ input, output: out });
    const answer = await prompt.question(
      `Delete every dead letter of ${queues.join(', ')}? Type "yes" to confirm: `,
    );
    prompt.close();
    if (answer.trim() !== 'yes') {
      out.write('Nothing purged.\n');
      return;
    }
  }
  let total = 0;
  for (const queue of queues) total += await admin.purgeDeadLetters(queue);
  out.write(`Purged ${total} dead letter(s) from ${queues.join(', ')}.\n`);
}

function formatAge(summary: DeadLetterSummary): string {
  if (summary.ageMs === undefined) return '?';
  const seconds = Math.round(summary.ageMs / 1000);
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function describe(
  detail: DeadLetterSummary & {
    key: string | undefined;
    headers: Readonly<Record<string, string>>;
    body: string;
  },
): string {
  const headers = Object.entries(detail.headers)
    .map(([name, value]) => `    ${name}: ${value}`)
    .join('\n');
  return (
    `${detail.id} in ${detail.queue}\n` +
    `  reason:   ${detail.reason} after ${detail.attempts} attempt(s)\n` +
    `  error:    ${detail.error}\n` +
    `  topic:    ${detail.originalTopic}${detail.key === undefined ? '' : ` (key ${detail.key})`}\n` +
    `  when:     ${detail.deadLetteredAt ?? 'unknown'}\n` +
    `  headers:\n${headers}\n` +
    `  body:     ${detail.body}\n`
  );
}
