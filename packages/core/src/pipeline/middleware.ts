import type { MessageContext } from '../message-context';

/** Calls the rest of the pipeline. */
export type Next = (ctx: MessageContext) => Promise<void>;

/**
 * One step around a handler: do something, call `next(ctx)` (or not), do something after. Composed
 * once per handler at start-up.
 */
export type Middleware = (ctx: MessageContext, next: Next) => Promise<void>;

/**
 * The promise a step returns when it finished synchronously. Steps that see it from `next` know
 * the rest of the pipeline is already done.
 */
export const DONE: Promise<void> = Promise.resolve();

/**
 * Composes middlewares around a terminal step, outermost first. Each step receives the next as a
 * ready function, so running a message creates no closures.
 */
export function compose(middlewares: readonly Middleware[], terminal: Next): Next {
  let next = terminal;
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const middleware = middlewares[i];
    const inner = next;
    next = (ctx) => middleware(ctx, inner);
  }
  return next;
}
