import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Consumer,
  DeadLetterHeaders,
  FIRST_FAILURE_HEADER,
  type MessageContext,
  Retry,
  Subscribe,
  type Switchyard,
  TransportUnavailableError,
  UnknownQueueError,
  replayDeadLetters,
} from '@switchyard/core';
import { Recorder, outgoingMessage, subscriptionSpec, waitFor } from '@switchyard/testing';
import { REDIS_URL, RedisSpecRun } from './spec-support/redis-spec-kit';
import type { RedisTransport } from './transport';

const execFileAsync = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');

const run = new RedisSpecRun();
const transport = run.transport();
beforeAll(() => transport.connect());
afterAll(() => run.cleanup());

/** Adds dead letters to `queue`'s stream, in this order, laid out as the settler writes them. */
async function storeDeadLetters(queue: string, topic: string, ids: readonly string[]) {
  const pipeline = run.raw().pipeline();
  for (const id of ids) {
    pipeline.xadd(
      `${run.namespace}dlq:${queue}`,
      '*',
      'id',
      id,
      'ts',
      String(Date.now()),
      `h:${DeadLetterHeaders.reason}`,
      'Error',
      `h:${DeadLetterHeaders.originalTopic}`,
      topic,
      'topic',
      topic,
      'body',
      JSON.stringify({ id }),
    );
  }
  await pipeline.exec();
}

async function deadLetterIds(queue: string): Promise<string[]> {
  return (await transport.peekDeadLetters(queue, 10_000)).map((letter) => letter.id);
}

describe('Redis dead-letter management', () => {
  it('redelivers into one queue alone, as a first attempt with its topic, key and headers', async () => {
    const seen = new Recorder<unknown>();
    const others = new Recorder<unknown>();
    await run.app([seen.consumer('target', 'parcels.sent')]);
    await run.app([others.consumer('bystander', 'parcels.sent')]);
    await transport.redeliver(
      'target.handle',
      outgoingMessage(
        'parcels.sent',
        { n: 1 },
        {
          id: 'again-1',
          key: 'k-1',
          headers: { 'content-type': 'application/json', 'tenant-id': 't-1' },
        },
      ),
    );
    const [handled] = await seen.waitForCount(1, 10_000);
    expect(handled!.ctx.message).toMatchObject({
      id: 'again-1',
      topic: 'parcels.sent',
      key: 'k-1',
      attempt: 1,
      queue: 'target.handle',
    });
    expect(handled!.ctx.headers).toEqual({
      'content-type': 'application/json',
      'tenant-id': 't-1',
    });
    // Appended before redeliver resolved, and nowhere the bystander's group reads.
    expect(await run.raw().xlen(run.stream('parcels.sent'))).toBe(0);
    expect(await run.raw().exists(`${run.namespace}queue:bystander.handle`)).toBe(1);
    expect(await run.raw().xlen(`${run.namespace}queue:bystander.handle`)).toBe(0);
    expect(others.handled).toHaveLength(0);
  });

  it('refuses to redeliver into a queue never subscribed, and creates nothing', async () => {
    await expect(
      transport.redeliver('nobody.handle', outgoingMessage('parcels.lost', { n: 1 })),
    ).rejects.toBeInstanceOf(UnknownQueueError);
    expect(await run.raw().exists(`${run.namespace}queue:nobody.handle`)).toBe(0);
  });

  it('deletes dead letters by id across pages, duplicates included, keeping the others in order', async () => {
    const queue = 'archive.handle';
    const ids = Array.from({ length: 1_200 }, (_, index) => `letter-${index + 1}`);
    ids[700] = 'letter-3'; // the same message dead-lettered twice
    await storeDeadLetters(queue, 'files.archived', ids);
    // The deletion script reads 500 entries a call: 500 and 501 straddle its first page.
    const doomed = ['letter-1', 'letter-3', 'letter-500', 'letter-501', 'letter-1200'];
    expect(await transport.deleteDeadLetters(queue, [...doomed, 'not-there'])).toBe(6);
    expect(await deadLetterIds(queue)).toEqual(ids.filter((id) => !doomed.includes(id)));
    expect(await transport.deleteDeadLetters(queue, [])).toBe(0);
  });

  it('deletes a dead letter without an id field by the id peek reports for it', async () => {
    const queue = 'foreign.handle';
    const stream = `${run.namespace}dlq:${queue}`;
    const entryId = await run.raw().xadd(stream, '*', 'topic', 'files.dropped', 'body', '{}');
    await storeDeadLetters(queue, 'files.dropped', ['kept']);
    expect(await deadLetterIds(queue)).toEqual([`files.dropped@${entryId}`, 'kept']);
    expect(await transport.deleteDeadLetters(queue, [`files.dropped@${entryId}`])).toBe(1);
    expect(await deadLetterIds(queue)).toEqual(['kept']);
  });

  it('purges a queue’s dead letters and says how many it removed', async () => {
    await storeDeadLetters('shredder.handle', 'files.shredded', ['p-1', 'p-2', 'p-3']);
    expect(await transport.purgeDeadLetters('shredder.handle')).toBe(3);
    expect(await transport.peekDeadLetters('shredder.handle', 10)).toEqual([]);
  });

  it('answers 0 for a subscribed queue without dead letters, and refuses an unknown queue', async () => {
    await run.app([new Recorder().consumer('tidy', 'files.tidied')]);
    expect(await transport.deleteDeadLetters('tidy.handle', ['x'])).toBe(0);
    expect(await transport.purgeDeadLetters('tidy.handle')).toBe(0);
    await expect(transport.deleteDeadLetters('nobody.handle', ['x'])).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
    await expect(transport.purgeDeadLetters('nobody.handle')).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
    expect(await transport.peekDeadLetters('nobody.handle', 10)).toEqual([]);
  });

  it('lists every subscribed queue and every queue with dead letters, of its namespace only', async () => {
    // '*' in a namespace must not match as a glob: "<id>:a*:" would otherwise see "<id>:ab:".
    const starred = run.transport({ namespace: `${run.id}:a*:` });
    const plain = run.transport({ namespace: `${run.id}:ab:` });
    await Promise.all([starred.connect(), plain.connect()]);
    const subscribe = (target: RedisTransport, queue: string) =>
      target
        .subscribe(
          subscriptionSpec(queue, [`${run.id}.listed`], { prefetch: 1, maxAttempts: 1 }),
          async () => ({ kind: 'ack' }),
        )
        .then((subscription) => subscription.close());
    await subscribe(starred, 'zeta.handle');
    await subscribe(starred, 'alpha.handle');
    await subscribe(plain, 'other.handle');
    await run.raw().xadd(`${run.id}:a*:dlq:orphan.handle`, '*', 'id', 'x', 'body', '{}');
    expect(await starred.listDeadLetterQueues()).toEqual([
      'alpha.handle',
      'orphan.handle',
      'zeta.handle',
    ]);
    expect(await plain.listDeadLetterQueues()).toEqual(['other.handle']);
  });
});

describe('Redis dead-letter replay', () => {
  const topic = 'payments.captured';
  const queue = 'ledger.record';
  const handled = new Recorder<{ n: number }>();
  const audited = new Recorder<{ n: number }>();
  let broken = true;
  let app: Switchyard;

  @Consumer({ group: 'ledger' })
  class Ledger {
    @Subscribe(topic)
    @Retry({ attempts: 2, backoff: { initialMs: 10, jitter: 0 } })
    record(payment: { n: number }, ctx: MessageContext) {
      if (broken) throw new Error(`ledger database is down (payment ${payment.n})`);
      handled.record(payment, ctx);
    }
  }

  @Consumer({ group: 'audit' })
  class Audit {
    @Subscribe(topic)
    record(payment: { n: number }, ctx: MessageContext) {
      audited.record(payment, ctx);
    }
  }

  beforeAll(async () => {
    app = await run.app([Ledger, Audit], { schedulerIntervalMs: 50 });
    // One at a time, so the dead letters are in publish order.
    for (let n = 1; n <= 3; n++) {
      await app.bus.publish(topic, { n }, { messageId: `pay-${n}` });
      await waitFor(async () => (await deadLetterIds(queue)).length === n, {
        message: `dead letter ${n}`,
      });
    }
  });

  it('replays a dead letter to its queue alone, as a first attempt, and removes it', async () => {
    broken = false;
    const [first] = await transport.peekDeadLetters(queue, 1);
    expect(first!.headers).toMatchObject({
      [DeadLetterHeaders.attempts]: '2',
      [DeadLetterHeaders.handler]: 'Ledger.record',
    });
    expect(await replayDeadLetters(transport, queue, [first!])).toEqual(['pay-1']);
    const [entry] = await handled.waitForCount(1, 10_000);
    expect(entry!.payload).toEqual({ n: 1 });
    expect(entry!.ctx.attempt).toBe(1);
    expect(entry!.ctx.headers[DeadLetterHeaders.reason]).toBeUndefined();
    expect(entry!.ctx.headers[FIRST_FAILURE_HEADER]).toBeUndefined();
    expect(await deadLetterIds(queue)).toEqual(['pay-2', 'pay-3']);
    // Had the replay gone to the topic, audit would see it again before this later message.
    await app.bus.publish(topic, { n: 4 });
    await audited.waitForCount(4, 10_000);
    expect(audited.payloads.map((payment) => payment.n).sort()).toEqual([1, 2, 3, 4]);
  });

  it('leaves the dead letter in place when the queue’s group is gone', async () => {
    await storeDeadLetters('forgotten.handle', topic, ['lost-1']);
    const letters = await transport.peekDeadLetters('forgotten.handle', 10);
    await expect(replayDeadLetters(transport, 'forgotten.handle', letters)).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
    expect(await deadLetterIds('forgotten.handle')).toEqual(['lost-1']);
  });

  it('leaves the dead letter in place when Redis cannot be reached', async () => {
    const cut = run.transport();
    await cut.connect();
    const letters = await cut.peekDeadLetters(queue, 1);
    (await cut.client()).disconnect();
    await expect(replayDeadLetters(cut, queue, letters)).rejects.toBeInstanceOf(
      TransportUnavailableError,
    );
    expect(await deadLetterIds(queue)).toEqual(['pay-2', 'pay-3']);
  });

  it('serves `switchyard dlq list` from the built CLI binary', async () => {
    await execFileAsync('npx', ['tsc', '-b', 'packages/cli', 'packages/transport-redis'], {
      cwd: ROOT,
    });
    const url = new URL(REDIS_URL);
    url.searchParams.set('streamPrefix', run.streamPrefix);
    url.searchParams.set('namespace', run.namespace);
    const cli = (...argv: string[]) =>
      execFileAsync(
        'node',
        ['packages/cli/bin/switchyard.js', 'dlq', 'list', '--transport', url.toString(), ...argv],
        { cwd: ROOT },
      );
    const byQueue = await cli('--queue', queue, '--json');
    const letters = JSON.parse(byQueue.stdout) as Array<{ id: string; attempts: number }>;
    expect(letters.map((letter) => [letter.id, letter.attempts])).toEqual([
      ['pay-2', 2],
      ['pay-3', 2],
    ]);
    const byGroup = await cli('--group', 'ledger');
    const rows = byGroup.stdout.trimEnd().split('\n').slice(2);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      [queue, 'pay-2'],
      [queue, 'pay-3'],
    ]);
  }, 120_000);
});
