import 'reflect-metadata';
import { injectable } from 'tsyringe';
import { type ConsumerOptions, type Type, setConsumerOptions } from './metadata';

/**
 * Marks a class as a message consumer. Its dependencies are injected by the app's container; its
 * `@Subscribe` and `@RpcHandler` methods are wired to the transport at start-up.
 *
 * @example
 * ```ts
 * @Consumer({ group: 'billing', concurrency: 16 })
 * class BillingConsumer { … }
 * ```
 */
export function Consumer(options: ConsumerOptions = {}): ClassDecorator {
  return (target) => {
    setConsumerOptions(target as unknown as Type, options);
    injectable()(target as unknown as Type);
  };
}
