import { describe, expect, it } from '@jest/globals';
import type { InboundMessage } from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import type { Redis } from 'ioredis';
import { AckBatcher } from './ack-batcher';
import type { Delivery } from './delivery';

function delivery(stream: string, entryId: string): Delivery {
  return {
    stream,
    entryId,
    message: { id: entryId } as InboundMessage,
    deliveryCount: 1,
    acked: false,
  };
}

/** A Redis whose `XACK`s wait until the test answers them. */
class HeldAcks {
  readonly sent: { stream: string; ids: string[]; answer: (error?: Error) => void }[] = [];

  xack(stream: string, _group: string, ...ids: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.sent.push({
        stream,
        ids,
        answer: (error) => (error ? reject(error) : resolve(ids.length)),
      });
    });
  }
}

describe('AckBatcher', () => {
  it('sends one XACK per stream for the acknowledgements of one turn', async () => {
    const redis = new HeldAcks();
    const batcher = new AckBatcher(redis as unknown as Redis, 'g', () => undefined);
    batcher.add(delivery('a', '1-0'));
    batcher.add(delivery('a', '2-0'));
    batcher.add(delivery('b', '3-0'));
    await waitFor(() => redis.sent.length === 2);
    expect(redis.sent.map(({ stream, ids }) => [stream, ids])).toEqual([
      ['a', ['1-0', '2-0']],
      ['b', ['3-0']],
    ]);
  });

  it('tells how many acknowledgements it sent before Redis answers, and each outcome after', async () => {
    const redis = new HeldAcks();
    const outcomes: string[] = [];
    const sent: number[] = [];
    const batcher = new AckBatcher(
      redis as unknown as Redis,
      'g',
      (acked, error) => outcomes.push(`${acked.entryId}:${error === undefined ? 'ok' : 'failed'}`),
      (count) => sent.push(count),
    );
    batcher.add(delivery('a', '1-0'));
    batcher.add(delivery('b', '2-0'));
    await waitFor(() => sent.length === 1);
    expect(sent).toEqual([2]);
    expect(outcomes).toEqual([]);
    redis.sent[0].answer();
    redis.sent[1].answer(new Error('connection lost'));
    await waitFor(() => outcomes.length === 2);
    expect(outcomes).toEqual(['1-0:ok', '2-0:failed']);
  });

  it('does not count acknowledgements awaited by ack() as sent deliveries', async () => {
    const redis = new HeldAcks();
    const sent: number[] = [];
    const batcher = new AckBatcher(
      redis as unknown as Redis,
      'g',
      () => undefined,
      (count) => sent.push(count),
    );
    const acked = batcher.ack('a', '1-0');
    await waitFor(() => redis.sent.length === 1);
    redis.sent[0].answer();
    await acked;
    expect(sent).toEqual([]);
  });
});
