import { randomBytes } from 'node:crypto';
import {
  type DeadLetter,
  type SwitchyardOptions,
  type Transport,
  type Type,
  Switchyard,
  hasDeadLetterAccess,
  silentLogger,
} from '@switchyard/core';
import { waitFor } from '../wait-for';
import type { ConformanceOptions } from './conformance-options';

/** Options of an app a case starts; the transport comes from the suite. */
export type CaseAppOptions = Omit<SwitchyardOptions, 'transport' | 'consumers'>;

/**
 * What a conformance case works with: unique names (cases may run in parallel on one broker),
 * apps that are stopped after the case, dead-letter reads and foreign publishes.
 */
export class ConformanceHarness {
  private readonly apps: Switchyard[] = [];
  private readonly runId = randomBytes(3).toString('hex');
  private counter = 0;

  constructor(readonly options: ConformanceOptions) {}

  /** A topic or group name no other case or run uses: `<base>.<run><n>`… with `base` last. */
  name(base: string): string {
    return `swy${this.runId}${++this.counter}.${base}`;
  }

  /** Scales a wait for the broker under test. */
  ms(value: number): number {
    return Math.round(value * (this.options.timeScale ?? 1));
  }

  /** Creates and starts an app on a fresh transport; it is stopped after the case. */
  async start(consumers: readonly Type[], options: CaseAppOptions = {}): Promise<Switchyard> {
    const app = await this.create(consumers, options);
    await app.start();
    return app;
  }

  /** Creates an app without starting it. */
  async create(consumers: readonly Type[], options: CaseAppOptions = {}): Promise<Switchyard> {
    const transport = await this.options.createTransport();
    const app = await Switchyard.create({
      transport,
      consumers,
      logger: silentLogger,
      queueSizeIntervalMs: 0,
      ...options,
    });
    this.apps.push(app);
    return app;
  }

  /** Waits until `queue` holds at least `count` dead letters and returns them. */
  async deadLetters(transport: Transport, queue: string, count: number): Promise<DeadLetter[]> {
    if (!hasDeadLetterAccess(transport)) {
      throw new Error(`${transport.name} does not implement DeadLetterAccess.peekDeadLetters`);
    }
    return waitFor(
      async () => {
        const letters = await transport.peekDeadLetters(queue, count + 10);
        return letters.length >= count ? letters : undefined;
      },
      { timeoutMs: this.ms(15_000), message: `${count} dead letter(s) in ${queue}` },
    );
  }

  /** Stops every app the case started. */
  async cleanup(): Promise<void> {
    const apps = this.apps.splice(0);
    await Promise.all(apps.map((app) => app.stop()));
  }
}
