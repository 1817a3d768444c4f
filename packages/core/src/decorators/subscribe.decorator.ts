import { type HandlerOptions, methodMetadata } from './metadata';

/**
 * Handles events whose topic matches `pattern` (`*` one word, `#` zero or more; an array for
 * several). The method receives the payload — an instance of `options.schema` when given,
 * validated — and the `MessageContext`.
 *
 * @example
 * ```ts
 * @Subscribe('orders.*', { schema: OrderEvent })
 * onOrder(event: OrderEvent, ctx: MessageContext) { … }
 * ```
 */
export function Subscribe(
  pattern: string | readonly string[],
  options: HandlerOptions = {},
): MethodDecorator {
  return (prototype, method) => {
    const record = methodMetadata(prototype, method);
    record.kinds.push('@Subscribe');
    record.patterns = typeof pattern === 'string' ? [pattern] : [...pattern];
    record.options = options;
  };
}
