import { runConformanceSuite } from '../conformance/conformance-suite';
import { MemoryBroker } from './memory-broker';
import { MEMORY_CAPABILITIES, MemoryTransport } from './memory-transport';
import { randomUUID } from 'node:crypto';

const broker = new MemoryBroker();

runConformanceSuite({
  name: 'memory',
  capabilities: MEMORY_CAPABILITIES,
  createTransport: () => new MemoryTransport(broker),
  publishForeign: async (topic, body) => {
    broker.publish({
      id: randomUUID(),
      topic,
      key: undefined,
      headers: {},
      body: Buffer.from(body),
      timestamp: Date.now(),
      priority: undefined,
      delayMs: undefined,
    });
  },
});
