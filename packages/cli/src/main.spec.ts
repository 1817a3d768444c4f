import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { waitFor } from '@switchyard/testing';
import { ExitCode } from './cli-error';
import { type RunningWorker, startCommand } from './commands/start.command';
import { Greeter } from './fixtures/greeter.service';
import { runCli } from './spec-support/run-cli';

const fixture = (name: string) => join(__dirname, 'fixtures', name);

describe('switchyard routes', () => {
  it('prints the topic → queue → handler table of a service module', async () => {
    const { code, stdout } = await runCli('routes', fixture('greeter.service.ts'));
    expect(code).toBe(ExitCode.ok);
    expect(stdout.split('\n').map((line) => line.trimEnd())).toEqual([
      'topic             kind   group    queue            handler          guarantee      concurrency  retries',
      '----------------  -----  -------  ---------------  ---------------  -------------  -----------  -------',
      'people.*.arrived  event  greeter  greeter.welcome  Greeter.welcome  at-least-once  2            2',
      'greeter.hello     rpc    greeter  greeter.hello    Greeter.hello    at-least-once  2            0',
      '',
    ]);
  });

  it('collects exported @Consumer classes when the module defines no service', async () => {
    const { code, stdout } = await runCli('routes', fixture('consumers-only.ts'), '--json');
    expect(code).toBe(ExitCode.ok);
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ topic: 'lonely.ping', queue: 'Lonely.ping' }),
    ]);
  });
});

describe('switchyard start', () => {
  let worker: RunningWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  it('runs the service, serves metrics and prints a banner of its routes', async () => {
    const out = new PassThrough();
    let banner = '';
    out.on('data', (chunk: Buffer) => (banner += chunk.toString()));
    worker = await startCommand(
      {
        entry: fixture('greeter.service.ts'),
        transport: 'memory://cli-test',
        concurrency: 3,
        namespace: undefined,
        httpPort: 0,
        json: false,
      },
      out,
    );
    const { app } = worker;
    expect(banner).toContain('switchyard: 2 handler(s) on memory (memory://cli-test)');
    expect(banner).toMatch(/people\.\*\.arrived\s+event\s+greeter\.welcome\s+Greeter\.welcome\s+3/);
    await app.bus.publish('people.ada.arrived', { name: 'Ada' });
    await waitFor(() => Greeter.greeted.includes('Ada'));
    expect(await app.bus.request('greeter.hello', { name: 'Grace' })).toBe('hello Grace');
    const health = await fetch(`http://127.0.0.1:${app.httpPort}/health`);
    expect(health.status).toBe(200);
  });

  it('prefixes every topic and queue with --namespace, and says so in the banner', async () => {
    const out = new PassThrough();
    let banner = '';
    out.on('data', (chunk: Buffer) => (banner += chunk.toString()));
    worker = await startCommand(
      {
        entry: fixture('greeter.service.ts'),
        transport: 'memory://cli-namespace-test',
        concurrency: undefined,
        namespace: 'staging',
        httpPort: 0,
        json: false,
      },
      out,
    );
    expect(banner).toContain('on memory (memory://cli-namespace-test) in namespace staging;');
    expect(worker.app.routes.map((route) => route.queue).sort()).toEqual([
      'staging.greeter.hello',
      'staging.greeter.welcome',
    ]);
    expect(await worker.app.bus.request('greeter.hello', { name: 'Lin' })).toBe('hello Lin');
  });
});

describe('switchyard exit codes', () => {
  it('prints help and exits 0', async () => {
    const { code, stdout } = await runCli('--help');
    expect(code).toBe(ExitCode.ok);
    expect(stdout).toContain('Usage: switchyard <command> [options]');
  });

  it.each([
    [['deploy', 'x.js'], 'Unknown command "deploy"'],
    [['start'], '"switchyard start" needs a <entry> module'],
    [['routes', 'does-not-exist.js'], 'Entry "does-not-exist.js" does not exist'],
    [
      ['start', 'x.js', '--concurrency', 'many'],
      '--concurrency must be a non-negative integer, got "many"',
    ],
    [['start', 'x.js', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const { code, stderr } = await runCli(...argv);
    expect(code).toBe(ExitCode.usage);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Run "switchyard --help" for usage.');
  });

  it('exits 1, saying what is installed, when no transport handles the URL', async () => {
    const { code, stderr } = await runCli(
      'start',
      fixture('greeter.service.ts'),
      '--transport',
      'nats://localhost',
      '--http-port',
      '0',
    );
    expect(code).toBe(ExitCode.failure);
    expect(stderr).toMatch(
      /^switchyard: No transport handles "nats:\/\/"\. Installed: .*memory:\/\//,
    );
  });
});
