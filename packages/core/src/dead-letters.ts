import { DeadLetterHeaders, FIRST_FAILURE_HEADER } from './headers';
import type { MessageHeaders, OutgoingMessage } from './message';
import type { DeadLetter, DeadLetterAdmin } from './transport-abilities';

/** A dead letter as operators read it: why, when, after how many attempts. */
export interface DeadLetterSummary {
  readonly id: string;
  readonly queue: string;
  readonly originalTopic: string;
  readonly reason: string;
  readonly error: string;
  readonly attempts: number;
  readonly handler: string | undefined;
  /** When it was dead-lettered (ISO), if known. */
  readonly deadLetteredAt: string | undefined;
  /** Milliseconds since it was dead-lettered, if known. */
  readonly ageMs: number | undefined;
}

/** Reads the `DeadLetterHeaders` of a dead letter. */
export function summarizeDeadLetter(
  queue: string,
  letter: DeadLetter,
  now = Date.now(),
): DeadLetterSummary {
  const h = letter.headers;
  const at = h[DeadLetterHeaders.lastFailureAt];
  const time = at === undefined ? Number.NaN : Date.parse(at);
  return {
    id: letter.id,
    queue,
    originalTopic: h[DeadLetterHeaders.originalTopic] ?? letter.topic,
    reason: h[DeadLetterHeaders.reason] ?? 'unknown',
    error: h[DeadLetterHeaders.error] ?? '',
    attempts: Number(h[DeadLetterHeaders.attempts] ?? 0),
    handler: h[DeadLetterHeaders.handler],
    deadLetteredAt: at,
    ageMs: Number.isNaN(time) ? undefined : Math.max(0, now - time),
  };
}

/**
 * The message to deliver again: original topic, body, id, priority and headers, without the failure
 * record.
 */
export function freshAttempt(letter: DeadLetter): OutgoingMessage {
  const headers: MessageHeaders = {};
  const dropped = new Set<string>([...Object.values(DeadLetterHeaders), FIRST_FAILURE_HEADER]);
  for (const [name, value] of Object.entries(letter.headers))
    if (!dropped.has(name)) headers[name] = value;
  return {
    id: letter.id,
    topic: letter.headers[DeadLetterHeaders.originalTopic] ?? letter.topic,
    key: letter.key,
    headers,
    body: letter.body,
    timestamp: Date.now(),
    priority: letter.priority,
    delayMs: undefined,
  };
}

/**
 * Puts dead letters back into their queue as first attempts. Each is removed from the dead-letter
 * destination only once its redelivery was accepted: all accepted ones are removed in one call
 * (one pass over the destination, where the broker must scan it), also when a later redelivery
 * fails — which then rejects, leaving the rest where they were. Resolves to the ids replayed.
 */
export async function replayDeadLetters(
  admin: DeadLetterAdmin,
  queue: string,
  letters: readonly DeadLetter[],
): Promise<string[]> {
  const redelivered: string[] = [];
  try {
    for (const letter of letters) {
      await admin.redeliver(queue, freshAttempt(letter));
      redelivered.push(letter.id);
    }
  } finally {
    if (redelivered.length > 0) await admin.deleteDeadLetters(queue, redelivered);
  }
  return redelivered;
}
