import { expect } from '@jest/globals';
import {
  Consumer,
  NoRouteError,
  RpcHandler,
  RpcRemoteError,
  RpcTimeoutError,
  ValidationFailedError,
} from '@switchyard/core';
import { IsNumber } from 'class-validator';
import { waitFor } from '../../wait-for';
import type { ConformanceCase } from '../conformance-case';

class QuoteRequest {
  @IsNumber() items!: number;
}

/** Request-reply: replies, timeouts, remote failures and unroutable requests. */
export const rpcCases: ConformanceCase[] = [
  {
    name: 'answers requests, each caller getting its own reply',
    async run(h) {
      const topic = h.name('billing.quote');
      @Consumer({ group: h.name('quotes'), concurrency: 4 })
      class Quotes {
        @RpcHandler(topic, { schema: QuoteRequest })
        quote(request: QuoteRequest) {
          return { total: request.items * 10 };
        }
      }
      await h.start([Quotes]);
      const client = await h.start([]);
      const replies = await Promise.all(
        [1, 2, 3, 4, 5, 6, 7, 8].map((items) =>
          client.bus.request<{ total: number }>(topic, { items }, { timeoutMs: h.ms(10_000) }),
        ),
      );
      expect(replies.map((reply) => reply.total)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    },
  },
  {
    name: 'rejects a request with RpcTimeoutError when no reply comes in time, and drops the late reply',
    async run(h) {
      const topic = h.name('billing.slow');
      let release = false;
      @Consumer({ group: h.name('slow') })
      class Slow {
        @RpcHandler(topic)
        async quote() {
          await waitFor(() => release, { timeoutMs: h.ms(20_000) });
          return { total: 1 };
        }
      }
      await h.start([Slow]);
      const client = await h.start([]);
      const request = client.bus.request(topic, { items: 1 }, { timeoutMs: 300 });
      await expect(request).rejects.toBeInstanceOf(RpcTimeoutError);
      release = true;
      await waitFor(
        async () => (await client.metrics.rpcLateReplies.get()).values[0]?.value === 1,
        {
          timeoutMs: h.ms(10_000),
          message: 'the late reply to be counted',
        },
      );
    },
  },
  {
    name: 'rejects a request with RpcRemoteError carrying the code when the handler fails',
    async run(h) {
      const topic = h.name('billing.broken');
      @Consumer({ group: h.name('broken') })
      class Broken {
        @RpcHandler(topic)
        quote() {
          throw new ValidationFailedError('items must be positive', ['items: must be positive']);
        }
      }
      await h.start([Broken]);
      const client = await h.start([]);
      const failure = await client.bus
        .request(topic, { items: -1 }, { timeoutMs: h.ms(10_000) })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RpcRemoteError);
      expect((failure as RpcRemoteError).remoteCode).toBe('SWY_VALIDATION_FAILED');
      expect((failure as RpcRemoteError).message).toBe('items must be positive');
    },
  },
  {
    name: 'fails a request to a topic nobody handles with NoRouteError, or RpcTimeoutError where the broker cannot tell',
    async run(h) {
      const client = await h.start([]);
      const failure = await client.bus
        .request(h.name('nobody.home'), {}, { timeoutMs: 300 })
        .catch((e: unknown) => e);
      const expected = h.options.capabilities.unroutableDetection ? NoRouteError : RpcTimeoutError;
      expect(failure).toBeInstanceOf(expected);
    },
  },
];
