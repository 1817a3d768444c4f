import { HandlerTimeoutError } from '../errors';
import { DONE, type Middleware } from '../pipeline/middleware';

/**
 * Fails the delivery with `HandlerTimeoutError` when the rest of the pipeline has not settled
 * within `timeoutMs`. JavaScript cannot cancel the handler: it keeps running, and the message is
 * retried or dead-lettered as for any failure — one more reason for idempotent handlers. A
 * pipeline that finished synchronously (a sync handler) needs no deadline and gets no timer.
 */
export function timeoutMiddleware(timeoutMs: number): Middleware {
  return (ctx, next) => {
    // A synchronous throw propagates to the caller like a rejection would; nothing to clean up.
    const running = next(ctx);
    if (running === DONE) return DONE;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new HandlerTimeoutError(`${ctx.handler.name} did not finish within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      // A deadline is no reason to keep the process alive once everything else has finished.
      timer.unref();
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
  };
}
