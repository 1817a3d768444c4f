/** Options of `waitFor`. */
export interface WaitForOptions {
  /** Give up after this long. Default 10 000. */
  readonly timeoutMs?: number;
  /** Check this often. Default 10. */
  readonly intervalMs?: number;
  /** Said in the error when the deadline passes; a function is asked only then. */
  readonly message?: string | (() => string);
}

/**
 * Polls `condition` until it returns a truthy value (which is returned) or the deadline passes
 * (which throws, with `message` and the last error the condition threw). Tests wait on this,
 * never on a fixed sleep.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 10, message = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const what = typeof message === 'function' ? message() : message;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
