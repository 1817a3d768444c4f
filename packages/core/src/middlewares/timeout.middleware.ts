import { HandlerTimeoutError } from '../errors';
import type { Middleware } from '../pipeline/middleware';

/**
 * Fails the delivery with `HandlerTimeoutError` when the rest of the pipeline has not settled
 * within `timeoutMs`. JavaScript cannot cancel the handler: it keeps running, and the message is
 * retried or dead-lettered as for any failure — one more reason for idempotent handlers.
 */
export function timeoutMiddleware(timeoutMs: number): Middleware {
  return (ctx, next) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new HandlerTimeoutError(`${ctx.handler.name} did not finish within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      // A deadline is no reason to keep the process alive once everything else has finished.
      timer.unref();
      let running: Promise<void>;
      try {
        running = next(ctx);
      } catch (error) {
        // A handler that throws before returning a promise must not leave its deadline behind.
        running = Promise.reject(error);
      }
      running.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
}
