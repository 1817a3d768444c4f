import { type RetryOptions, type Type, methodMetadata, setClassRetry } from './metadata';

/**
 * Sets how a failing handler is retried before its message is dead-lettered. On a class it applies
 * to every handler without its own `@Retry`. Validation and decode failures are never retried.
 *
 * @example
 * ```ts
 * @Retry({ attempts: 5, backoff: { initialMs: 200, factor: 2, maxMs: 30_000 } })
 * ```
 */
export function Retry(options: RetryOptions): ClassDecorator & MethodDecorator {
  return ((target: object, method?: string | symbol) => {
    if (method === undefined) setClassRetry(target as Type, options);
    else methodMetadata(target, method).retry = options;
  }) as ClassDecorator & MethodDecorator;
}
