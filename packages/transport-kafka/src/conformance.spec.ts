import { runConformanceSuite } from '@switchyard/testing';
import type { Producer } from 'kafkajs';
import { KAFKA_CAPABILITIES } from './transport';
import {
  BrokerCleanup,
  PARTITIONER,
  rawKafka,
  useSharedBroker,
} from './test-support/kafka-test-env';

const cleanup = new BrokerCleanup();
useSharedBroker();
let producer: Producer | undefined;

runConformanceSuite({
  name: 'kafka',
  capabilities: KAFKA_CAPABILITIES,
  createTransport: () => cleanup.transport(),
  publishForeign: async (topic, body) => {
    if (!producer) {
      producer = rawKafka().producer({ createPartitioner: PARTITIONER });
      await producer.connect();
    }
    // A plain record: a JSON value, no key, no headers.
    await producer.send({ topic, messages: [{ value: body }] });
  },
  // The reconnect case restarts the broker; that is done once, in restart.spec.ts, where it
  // cannot disturb the other tests of this package.
  teardown: async () => {
    await producer?.disconnect();
    await cleanup.run();
  },
});
