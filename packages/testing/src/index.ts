import { registerTransport } from '@switchyard/core';
import { MemoryBroker } from './memory/memory-broker';
import { MemoryTransport } from './memory/memory-transport';

export { MemoryBroker } from './memory/memory-broker';
export { MemoryTransport, MEMORY_CAPABILITIES } from './memory/memory-transport';
export { waitFor, type WaitForOptions } from './wait-for';
export { runConformanceSuite, CONFORMANCE_CASES } from './conformance/conformance-suite';
export type { ConformanceOptions } from './conformance/conformance-options';
export type { ConformanceCase, CaseRequirement } from './conformance/conformance-case';
export { ConformanceHarness } from './conformance/harness';
export { Recorder, type Handled } from './conformance/recorder';

/** `memory://` is the process's default broker; `memory://<name>` a separate one. */
registerTransport({
  schemes: ['memory'],
  packageName: '@switchyard/testing',
  create: (url) => new MemoryTransport(MemoryBroker.named(url.hostname || 'default')),
});
