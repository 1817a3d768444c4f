import type { Logger } from '@switchyard/core';
import { type LogEntry, logLevel, type logCreator } from 'kafkajs';
import type { KafkaLogLevel } from './options';

/** kafkajs's own level for each of ours (kafkajs drops entries below it before any log creator). */
export const KAFKAJS_LEVELS: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/**
 * kafkajs logs at ERROR what it then retries and recovers from (a coordinator still loading, a
 * rebalance, a broker that is restarting, a transaction marker not yet written). Those are
 * reported as warnings here, so that `error` means a failure that needs someone.
 */
const TRANSIENT =
  /coordinator|rebalanc|re-?join|connection|ECONNREFUSED|not available|loading|CONCURRENT_TRANSACTIONS|Restarting the consumer|retr(y|ies)|leader|timed? ?out/i;

/** Routes kafkajs's log entries at or above `level` to `logger`. */
export function kafkaLogCreator(logger: Logger, level: KafkaLogLevel): logCreator {
  const threshold = KAFKAJS_LEVELS[level];
  return () => (entry: LogEntry) => {
    const { message, ...fields } = entry.log;
    const transient = entry.level === logLevel.ERROR && TRANSIENT.test(message);
    const effective = transient ? logLevel.WARN : entry.level;
    if (effective > threshold || threshold === logLevel.NOTHING) return;
    const text = `kafkajs ${entry.namespace}: ${message}`;
    const extra = fields as Record<string, unknown>;
    if (effective === logLevel.ERROR) logger.error(text, extra);
    else if (effective === logLevel.WARN) logger.warn(text, extra);
    else logger.info(text, extra);
  };
}
