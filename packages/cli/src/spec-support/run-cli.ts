import { PassThrough } from 'node:stream';
import { main } from '../main';

/** What one command line printed and returned. */
export interface CliRun {
  readonly code: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `switchyard <argv>` in this process, capturing its output. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await main(argv, out, err);
  return { code, stdout, stderr };
}
