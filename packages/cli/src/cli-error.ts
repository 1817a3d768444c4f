import { SwitchyardError } from '@switchyard/core';

/** The command line was wrong: the message says how to fix it; the exit code is 2. */
export class CliUsageError extends SwitchyardError {
  readonly code = 'SWY_CLI_USAGE';
  override readonly retryable = false;
}

/** Exit codes of the `switchyard` command. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed (a broker unreachable, a service failing to start). */
  failure: 1,
  /** The command line was wrong. */
  usage: 2,
} as const;
