import { runConformanceSuite } from '@switchyard/testing';
import { REDIS_CAPABILITIES } from './transport';
import { RedisSpecRun } from './spec-support/redis-spec-kit';

const run = new RedisSpecRun();

runConformanceSuite({
  name: 'redis',
  capabilities: REDIS_CAPABILITIES,
  createTransport: () => run.transport(),
  publishForeign: async (topic, body) => {
    await run.raw().xadd(run.stream(topic), '*', 'body', body);
  },
  dropConnections: async () => {
    await run.dropConnections();
  },
  teardown: () => run.cleanup(),
});
