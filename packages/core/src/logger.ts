/** Where Switchyard writes what happens. Any object with these methods fits (pino, winston…). */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Writes human-readable lines, or one JSON object per line for log collectors: `info` to stdout,
 * warnings and errors to stderr — or everything to `stream` when one is given (a command whose
 * stdout is its output).
 */
export class ConsoleLogger implements Logger {
  constructor(
    private readonly format: 'text' | 'json' = 'text',
    private readonly stream?: NodeJS.WritableStream,
  ) {}

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  private write(level: string, message: string, fields?: Record<string, unknown>): void {
    const stream = this.stream ?? (level === 'info' ? process.stdout : process.stderr);
    if (this.format === 'json') {
      stream.write(
        `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`,
      );
      return;
    }
    const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    stream.write(`[switchyard] ${level}: ${message}${extra}\n`);
  }
}

/**
 * The logger of a transport that takes the app's (`LoggingTransport`): the one its own options
 * named, else the app's once `adopt` is called, else a `ConsoleLogger`. Whatever holds it logs
 * through the current one, so adopting works before connecting and after.
 */
export class TransportLogger implements Logger {
  private target: Logger;

  constructor(private readonly own?: Logger) {
    this.target = own ?? new ConsoleLogger();
  }

  /** Logs through the app's logger from now on, unless the transport was given one of its own. */
  adopt(appLogger: Logger): void {
    if (this.own === undefined) this.target = appLogger;
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.target.info(message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.target.warn(message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.target.error(message, fields);
  }
}

/** Discards everything (tests, benchmarks). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
