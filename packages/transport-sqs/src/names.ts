import { createHash, randomUUID } from 'node:crypto';

/** SQS's longest queue name. */
const MAX_QUEUE_NAME = 80;
/** The longest suffix a base name gets: `-dlq.fifo`. */
const LONGEST_SUFFIX = '-dlq.fifo'.length;
const MAX_BASE = MAX_QUEUE_NAME - LONGEST_SUFFIX;
const HASH_LENGTH = 8;

/** The SQS queues behind one Switchyard queue. */
export interface QueueNames {
  /** Where messages wait: `<base>`, or `<base>.fifo` when ordered. */
  readonly main: string;
  /** Its dead-letter queue: `<base>-dlq`, or `<base>-dlq.fifo` when ordered. */
  readonly deadLetter: string;
}

/**
 * Maps a Switchyard queue (`billing.onOrderCreated`) to SQS names, deterministically, so every
 * instance finds the same queues: the prefix, then the name with `.` turned into `_` and any other
 * character SQS refuses into `_`. A name that had such other characters, or that would not leave
 * room for the longest suffix (`-dlq.fifo`) within SQS's 80 characters, is cut and ends with `-`
 * and 8 hex characters of the SHA-256 of the prefixed original, so distinct names stay distinct.
 */
export function queueNames(queue: string, prefix: string, ordered: boolean): QueueNames {
  const base = baseName(`${prefix}${queue}`);
  return ordered
    ? { main: `${base}.fifo`, deadLetter: `${base}-dlq.fifo` }
    : { main: base, deadLetter: `${base}-dlq` };
}

/** A fresh name for one instance's RPC reply queue: `<prefix>swy-reply-<uuid>`. */
export function replyQueueName(prefix: string): string {
  return baseName(`${prefix}swy-reply-${randomUUID().replace(/-/g, '')}`);
}

function baseName(original: string): string {
  const dotted = original.replace(/\./g, '_');
  const cleaned = dotted.replace(/[^A-Za-z0-9_-]/g, '_');
  if (cleaned === dotted && cleaned.length <= MAX_BASE) return cleaned;
  const hash = createHash('sha256').update(original).digest('hex').slice(0, HASH_LENGTH);
  return `${cleaned.slice(0, MAX_BASE - HASH_LENGTH - 1)}-${hash}`;
}

/** Characters SQS allows in a FIFO group or deduplication id. */
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/**
 * A FIFO `MessageGroupId` or `MessageDeduplicationId` for `value`: the value itself when SQS accepts
 * it (1–128 printable ASCII characters), else its SHA-256 in hex, so equal values map alike.
 */
export function fifoId(value: string): string {
  return FIFO_ID.test(value) ? value : createHash('sha256').update(value).digest('hex');
}
