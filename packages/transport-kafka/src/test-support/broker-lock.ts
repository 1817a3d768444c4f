import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A readers-writer lock on the test broker, across jest workers: every test file of this
 * package shares the broker, and the one test that restarts it takes it alone — it waits until
 * no other file is running, and files that start meanwhile wait until it is done. Each holder
 * writes its pid, so the lock of a process that died is ignored.
 */
const ROOT = join(tmpdir(), 'switchyard-kafka-broker-lock');
const READERS = join(ROOT, 'readers');
const WRITER = join(ROOT, 'writer');
const POLL_MS = 100;

/** Shares the broker with other files; resolves to the release function. */
export async function shareBroker(): Promise<() => void> {
  mkdirSync(READERS, { recursive: true });
  const mine = join(READERS, `${process.pid}-${randomBytes(4).toString('hex')}`);
  for (;;) {
    writeFileSync(mine, String(process.pid));
    if (!held(WRITER)) return () => rmSync(mine, { force: true });
    rmSync(mine, { force: true });
    await pause();
  }
}

/**
 * Takes the broker alone (to restart it); resolves to the release function. Gives up waiting for
 * other files after `timeoutMs` (one that hung must not hang this one too).
 */
export async function takeBroker(timeoutMs = 120_000): Promise<() => void> {
  mkdirSync(READERS, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(WRITER, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      if (held(WRITER)) await pause(); // else it was stale and is gone now: try again
    }
  }
  while (Date.now() < deadline && readdirSync(READERS).some((f) => held(join(READERS, f)))) {
    await pause();
  }
  return () => rmSync(WRITER, { force: true });
}

function held(file: string): boolean {
  if (!existsSync(file)) return false;
  const pid = Number(readFileSync(file, 'utf8'));
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    rmSync(file, { force: true }); // Its process is gone.
    return false;
  }
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, POLL_MS));
}
