import { registerTransport } from '@switchyard/core';
import { MemoryBroker } from './memory/memory-broker';
import { MemoryTransport } from './memory/memory-transport';

export { MemoryBroker } from './memory/memory-broker';
export { MemoryTransport, MEMORY_CAPABILITIES } from './memory/memory-transport';
export { waitFor, type WaitForOptions } from './wait-for';
export { subscriptionSpec } from './subscription-spec';
export { outgoingMessage } from './outgoing-message';
import type { ConformanceOptions } from './conformance/conformance-options';
export type { ConformanceOptions } from './conformance/conformance-options';
export type { ConformanceCase, CaseRequirement } from './conformance/conformance-case';
export { ConformanceHarness } from './conformance/harness';
export { Recorder, type Handled } from './conformance/recorder';

/**
 * Registers the transport conformance suite with jest (see `conformance/conformance-suite.ts`).
 * Loaded on first call, so that the embedded broker can be used outside jest without loading it.
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- keeps jest out of production imports
  const suite: typeof import('./conformance/conformance-suite') = require('./conformance/conformance-suite');
  suite.runConformanceSuite(options);
}

/** `memory://` is the process's default broker; `memory://<name>` a separate one. */
registerTransport({
  schemes: ['memory'],
  packageName: '@switchyard/testing',
  create: (url) => new MemoryTransport(MemoryBroker.named(memoryBrokerName(url))),
});

/** The broker a `memory://<name>` URL names (case-insensitive, like a host name). */
function memoryBrokerName(url: string): string {
  return /^memory:\/\/([^/?#]*)/i.exec(url)?.[1]?.toLowerCase() || 'default';
}
