/** Whether an SDK error says the queue does not exist (deleted, or never created). */
export function isQueueMissing(error: unknown): boolean {
  return /QueueDoesNotExist|NonExistentQueue/.test(errorName(error));
}

/** Whether an SDK error comes from aborting the request (closing a long poll). */
export function isAbort(error: unknown): boolean {
  return errorName(error) === 'AbortError';
}

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return `${typeof name === 'string' ? name : ''} ${typeof Code === 'string' ? Code : ''}`;
}

/** A field AWS always returns, checked: its absence is a broken response, not a case to handle. */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`AWS returned no ${what}`);
  return value;
}
