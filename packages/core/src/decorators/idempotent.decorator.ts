import { type IdempotentOptions, methodMetadata } from './metadata';

/**
 * Runs the handler at most once per key within `ttlMs`: a redelivered or duplicate message whose
 * key was already handled is acknowledged without running it again. Needs a store (the option, or
 * the app's `idempotencyStore`); start-up fails without one.
 *
 * @example
 * ```ts
 * @Idempotent({ key: (m) => m.payload.orderId, ttlMs: 86_400_000 })
 * ```
 */
export function Idempotent<T = Record<string, unknown>>(
  options: IdempotentOptions<T>,
): MethodDecorator {
  return (prototype, method) => {
    methodMetadata(prototype, method).idempotent = options as IdempotentOptions<unknown>;
  };
}
