import type { SwitchyardOptions } from './options';

/**
 * What a service module exports for `switchyard start`: its consumers and options, with the
 * transport optional — the command line or the `SWITCHYARD_TRANSPORT` variable usually chooses it.
 */
export type ServiceDefinition = Omit<SwitchyardOptions, 'transport'> &
  Partial<Pick<SwitchyardOptions, 'transport'>>;

/**
 * Declares a service for the CLI, with type checking of its options.
 *
 * @example
 * ```ts
 * export default defineService({ consumers: [BillingConsumer], idempotencyStore: new MemoryIdempotencyStore() });
 * ```
 */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  return definition;
}
