import { DuplicateInProgressError, IdempotencyKeyMissingError } from '../errors';
import type { IdempotencyKeyFn } from '../decorators/metadata';
import type { IdempotencyStore } from '../idempotency/idempotency-store';
import type { Middleware } from '../pipeline/middleware';

/** Settings of one `@Idempotent` handler, resolved at start-up. */
export interface IdempotencySettings {
  readonly store: IdempotencyStore;
  readonly key: IdempotencyKeyFn<unknown>;
  readonly ttlMs: number;
  readonly leaseMs: number;
}

/**
 * Runs the rest of the pipeline once per key. The key is claimed (with a lease, so a crashed
 * worker's claim expires) before the handler and marked done after it; a failure releases it so a
 * retry can run. A duplicate of a done key is skipped; a duplicate of a key still being handled
 * elsewhere is retried later, never dropped — the first delivery may yet fail.
 */
export function idempotencyMiddleware(settings: IdempotencySettings): Middleware {
  const { store, key, ttlMs, leaseMs } = settings;
  return async (ctx, next) => {
    const value = key(ctx);
    if (value === undefined || value === null || value === '') {
      throw new IdempotencyKeyMissingError(
        `${ctx.handler.name}: the @Idempotent key of this message is empty`,
      );
    }
    const storeKey = `${ctx.handler.queue}:${String(value)}`;
    const state = await store.begin(storeKey, leaseMs);
    if (state === 'completed') {
      ctx.skip('duplicate');
      return;
    }
    if (state === 'in-progress') {
      throw new DuplicateInProgressError(`Key "${storeKey}" is being handled by another delivery`);
    }
    try {
      await next(ctx);
    } catch (error) {
      await store.abandon(storeKey);
      throw error;
    }
    if (ctx.outcome && ctx.outcome.kind !== 'skip') await store.abandon(storeKey);
    else await store.complete(storeKey, ttlMs);
  };
}
