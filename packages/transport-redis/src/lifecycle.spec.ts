import { afterAll, describe, expect, it } from '@jest/globals';
import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { Recorder } from '@switchyard/testing';
import { RedisSpecRun } from './spec-support/redis-spec-kit';

const run = new RedisSpecRun();
afterAll(() => run.cleanup());

function recorderConsumer(topic: string, group: string, seen: Recorder<unknown>) {
  @Consumer({ group })
  class Worker {
    @Subscribe(topic)
    handle(payload: unknown, ctx: MessageContext) {
      seen.record(payload, ctx);
    }
  }
  return Worker;
}

describe('Redis transport lifecycle and topology', () => {
  it('closes at once although its reads block for 30 s', async () => {
    const connectionName = `${run.id}:patient`;
    const app = await run.app([recorderConsumer('idle.topic', 'idle', new Recorder())], {
      blockMs: 30_000,
      connectionName,
    });
    await run.waitUntilReading(connectionName);
    const startedAt = Date.now();
    await app.stop();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('leaves its consumer group clean after a graceful stop', async () => {
    const seen = new Recorder<unknown>();
    const app = await run.app([recorderConsumer('tidy.topic', 'tidy', seen)]);
    await app.bus.publish('tidy.topic', { n: 1 });
    await seen.waitForCount(1, 10_000);
    await app.stop();
    const consumers = await run.raw().xinfo('CONSUMERS', run.stream('tidy.topic'), 'tidy.handle');
    expect(consumers).toEqual([]);
  });

  it('trims topic streams to about maxLen entries', async () => {
    const app = await run.app([], { maxLen: 10 });
    await Promise.all(
      Array.from({ length: 500 }, (_, n) => app.bus.publish('trimmed.topic', { n })),
    );
    const length = await run.raw().xlen(run.stream('trimmed.topic'));
    // `MAXLEN ~` trims whole radix-tree nodes (100 entries by default), never below maxLen.
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(200);
  });
});
