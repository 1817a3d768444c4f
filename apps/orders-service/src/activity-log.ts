import { Injectable } from '@switchyard/core';

/** What the example's handlers did: printed as it happens, counted for the summary. */
@Injectable()
export class ActivityLog {
  private readonly counts = new Map<string, number>();
  /** Print each action as it happens. */
  verbose = true;
  /** Which worker instance this log belongs to, printed with each line. */
  instance = 'A';

  /** Records one action of a handler and prints it. */
  note(handler: string, text: string): void {
    this.tally(handler);
    if (this.verbose) process.stdout.write(`  [${this.instance}] ${handler.padEnd(9)} ${text}\n`);
  }

  /** Counts one action of a handler without printing it. */
  tally(handler: string): void {
    this.counts.set(handler, (this.counts.get(handler) ?? 0) + 1);
  }

  /** How many times a handler acted. */
  count(handler: string): number {
    return this.counts.get(handler) ?? 0;
  }
}
