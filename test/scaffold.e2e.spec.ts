import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@switchyard/testing';

const exec = promisify(execFile);
const cli = join(__dirname, '..', 'packages', 'cli', 'bin', 'switchyard.js');

describe('switchyard new', () => {
  const parent = mkdtempSync(join(tmpdir(), 'switchyard-new-'));
  const service = join(parent, 'order-history');
  let worker: ChildProcess | undefined;

  afterAll(() => {
    worker?.kill('SIGKILL');
    rmSync(parent, { recursive: true, force: true });
  });

  it('scaffolds a service whose npm test and npm start work without edits', async () => {
    if (!existsSync(join(__dirname, '..', 'packages', 'cli', 'dist', 'main.js'))) {
      throw new Error('the CLI is not built: run "npm run build" first (npm test does)');
    }
    const created = await exec(process.execPath, [cli, 'new', 'order-history', '--dir', parent]);
    expect(created.stdout).toContain(`Created ${service}`);

    await exec('npm', ['install', '--no-audit', '--no-fund'], { cwd: service, timeout: 120_000 });
    const tested = await exec('npm', ['test'], { cwd: service, timeout: 120_000 });
    expect(tested.stdout).toMatch(/# pass 3\n# fail 0/);

    let output = '';
    const started = spawn('npm', ['start', '--', '--http-port', '0'], {
      cwd: service,
      detached: true,
    });
    worker = started;
    started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      // 'close' waits for the output pipe too, which the worker under npm holds until it exits.
      started.on('close', (code, signal) => resolve({ code, signal })),
    );
    await waitFor(() => output.includes('Press Ctrl-C to stop'), {
      timeoutMs: 60_000,
      message: 'the worker banner',
    });
    expect(output).toMatch(/order-history\.requested\s+event\s+order-history\.onRequested/);
    // npm runs the worker in a child process of its own; signal the whole group as a terminal would.
    process.kill(-started.pid!, 'SIGTERM');
    const { code, signal } = await exited;
    // npm itself may die of the signal; the worker under it must have drained and said so.
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(output).toContain('switchyard: stopped. success 0, retried 0, dead_lettered 0');
  }, 240_000);
});
