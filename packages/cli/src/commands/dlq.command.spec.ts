import {
  Consumer,
  type Logger,
  type LoggingTransport,
  type MessageContext,
  Retry,
  Subscribe,
  Switchyard,
  registerTransport,
  silentLogger,
} from '@switchyard/core';
import { MemoryBroker, MemoryTransport, Recorder, waitFor } from '@switchyard/testing';
import { ExitCode } from '../cli-error';
import { runCli } from '../spec-support/run-cli';

const URL = 'memory://dlq-command';

/** The same broker, through a transport that has something to say when it connects. */
class ChattyTransport extends MemoryTransport implements LoggingTransport {
  private logger: Logger = silentLogger;

  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  override async connect(): Promise<void> {
    this.logger.info('chatty: connected');
    await super.connect();
  }
}
registerTransport({
  schemes: ['chatty'],
  packageName: 'dlq.command.spec',
  create: () => new ChattyTransport(MemoryBroker.named('dlq-command')),
});

describe('switchyard dlq', () => {
  let broken = true;
  const handled = new Recorder<{ n: number }>();
  let app: Switchyard;

  @Consumer({ group: 'ledger' })
  class Ledger {
    @Subscribe('payments.captured')
    @Retry({ attempts: 2, backoff: { initialMs: 10, jitter: 0 } })
    record(payment: { n: number }, ctx: MessageContext) {
      if (broken) throw new Error(`ledger database is down (payment ${payment.n})`);
      handled.record(payment, ctx);
    }
  }

  beforeAll(async () => {
    app = await Switchyard.create({ transport: URL, consumers: [Ledger], logger: silentLogger });
    await app.start();
    for (let n = 1; n <= 3; n++)
      await app.bus.publish('payments.captured', { n }, { messageId: `pay-${n}` });
    await waitFor(async () =>
      (
        await runCli('dlq', 'list', '--transport', URL, '--queue', 'ledger.record', '--json')
      ).stdout.includes('pay-3'),
    );
  });

  afterAll(() => app.stop());

  it('keeps what the transport logs off stdout, so --json output stays parseable', async () => {
    const { code, stdout, stderr } = await runCli(
      'dlq',
      'list',
      '--transport',
      'chatty://',
      '--queue',
      'ledger.record',
      '--json',
    );
    expect(code).toBe(ExitCode.ok);
    expect((JSON.parse(stdout) as unknown[]).length).toBe(3);
    expect(stderr).toContain('chatty: connected');
  });

  it('lists dead letters with reason, attempts, original topic and age', async () => {
    const { code, stdout } = await runCli('dlq', 'list', '--transport', URL, '--group', 'ledger');
    expect(code).toBe(ExitCode.ok);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^queue\s+id\s+reason\s+attempts\s+topic\s+age\s+error$/);
    expect(lines.slice(2)).toHaveLength(3);
    expect(lines[2]).toMatch(
      /^ledger\.record\s+pay-1\s+Error\s+2\s+payments\.captured\s+\d+s\s+ledger database is down \(payment 1\)$/,
    );
  });

  it('shows one dead letter with its headers and body', async () => {
    const { code, stdout } = await runCli(
      'dlq',
      'show',
      'pay-2',
      '--transport',
      URL,
      '--queue',
      'ledger.record',
    );
    expect(code).toBe(ExitCode.ok);
    expect(stdout).toContain('pay-2 in ledger.record');
    expect(stdout).toContain('reason:   Error after 2 attempt(s)');
    expect(stdout).toContain('swy-dlq-original-topic: payments.captured');
    expect(stdout).toContain('body:     {"n":2}');
  });

  it('replays one dead letter into its queue as a first attempt, removing it from the DLQ', async () => {
    broken = false;
    const { code, stdout } = await runCli(
      'dlq',
      'replay',
      'pay-1',
      '--transport',
      URL,
      '--queue',
      'ledger.record',
    );
    expect(code).toBe(ExitCode.ok);
    expect(stdout).toBe('Replayed 1 dead letter(s) into their queues.\n');
    const [entry] = await handled.waitForCount(1, 5_000);
    expect(entry!.payload).toEqual({ n: 1 });
    expect(entry!.ctx.attempt).toBe(1);
    expect(entry!.ctx.headers['swy-dlq-reason']).toBeUndefined();
    const remaining = JSON.parse(
      (await runCli('dlq', 'list', '--transport', URL, '--queue', 'ledger.record', '--json'))
        .stdout,
    );
    expect(remaining.map((letter: { id: string }) => letter.id)).toEqual(['pay-2', 'pay-3']);
  });

  it('refuses to purge without confirmation when not at a terminal, then purges with --yes', async () => {
    const refused = await runCli('dlq', 'purge', '--transport', URL, '--queue', 'ledger.record');
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toContain('Purging needs confirmation: pass --yes');
    const purged = await runCli(
      'dlq',
      'purge',
      '--transport',
      URL,
      '--queue',
      'ledger.record',
      '--yes',
    );
    expect(purged.stdout).toBe('Purged 2 dead letter(s) from ledger.record.\n');
    expect(
      (await runCli('dlq', 'list', '--transport', URL, '--queue', 'ledger.record')).stdout,
    ).toBe('No dead letters in ledger.record.\n');
  });

  it('needs --transport and a known action', async () => {
    expect((await runCli('dlq', 'list', '--queue', 'q')).stderr).toContain(
      '"switchyard dlq" needs --transport',
    );
    expect((await runCli('dlq', 'drop', '--transport', URL)).stderr).toContain(
      '"switchyard dlq" takes one of list, show, replay, purge',
    );
  });
});
