import { runConformanceSuite } from '@switchyard/testing';
import { TestBroker } from './testing/broker';
import { RABBITMQ_CAPABILITIES } from './transport';

const broker = new TestBroker();

runConformanceSuite({
  name: 'rabbitmq',
  capabilities: RABBITMQ_CAPABILITIES,
  createTransport: () => broker.transport(),
  publishForeign: broker.publishForeign,
  dropConnections: broker.dropConnections,
  teardown: broker.cleanup,
});
