import { expect } from '@jest/globals';
import {
  Consumer,
  DeadLetterHeaders,
  type MessageContext,
  Retry,
  Subscribe,
} from '@switchyard/core';
import { IsNumber, IsString, Min } from 'class-validator';
import type { ConformanceCase } from '../conformance-case';
import { Recorder } from '../recorder';

class OrderPlaced {
  @IsString() orderId!: string;
  @IsNumber() @Min(0) total!: number;
}

const FAST_RETRY = { initialMs: 50, factor: 2, maxMs: 500, jitter: 0 };

/** Retries, dead-lettering and the outcomes of bad input. */
export const failureCases: ConformanceCase[] = [
  {
    name: 'redelivers a message whose handler threw, and counts the attempt',
    async run(h) {
      const topic = h.name('orders.placed');
      const attempts: number[] = [];
      const done = new Recorder<unknown>();
      @Consumer({ group: h.name('flaky') })
      class Flaky {
        @Subscribe(topic)
        @Retry({ attempts: 3, backoff: FAST_RETRY })
        handle(payload: unknown, ctx: MessageContext) {
          attempts.push(ctx.attempt);
          if (ctx.attempt === 1) throw new Error('first attempt fails');
          done.record(payload, ctx);
        }
      }
      const app = await h.start([Flaky]);
      await app.bus.publish(topic, { id: 1 });
      const [handled] = await done.waitForCount(1, h.ms(10_000));
      expect(attempts).toEqual([1, 2]);
      expect(handled!.ctx.attempt).toBe(2);
    },
  },
  {
    name: 'dead-letters a message after the retry limit, with reason, attempts, topic and times',
    async run(h) {
      const topic = h.name('orders.placed');
      const group = h.name('doomed');
      let calls = 0;
      @Consumer({ group })
      class Doomed {
        @Subscribe(topic)
        @Retry({ attempts: 3, backoff: FAST_RETRY })
        handle() {
          calls++;
          throw new TypeError('cannot charge card');
        }
      }
      const app = await h.start([Doomed]);
      await app.bus.publish(topic, { orderId: 'o-1' }, { headers: { 'x-tenant': 'acme' } });
      const [letter] = await h.deadLetters(app.transport, `${group}.handle`, 1);
      expect(calls).toBe(3);
      expect(letter!.topic).toBe(topic);
      expect(JSON.parse(letter!.body.toString('utf8'))).toEqual({ orderId: 'o-1' });
      expect(letter!.headers).toMatchObject({
        [DeadLetterHeaders.reason]: 'TypeError',
        [DeadLetterHeaders.error]: 'cannot charge card',
        [DeadLetterHeaders.attempts]: '3',
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.queue]: `${group}.handle`,
        [DeadLetterHeaders.handler]: 'Doomed.handle',
        'x-tenant': 'acme',
      });
      const first = Date.parse(letter!.headers[DeadLetterHeaders.firstFailureAt]!);
      const last = Date.parse(letter!.headers[DeadLetterHeaders.lastFailureAt]!);
      expect(last).toBeGreaterThan(first);
    },
  },
  {
    name: 'dead-letters a payload that fails validation at once, without calling the handler',
    async run(h) {
      const topic = h.name('orders.placed');
      const group = h.name('strict');
      let calls = 0;
      @Consumer({ group })
      class Strict {
        @Subscribe(topic, { schema: OrderPlaced })
        @Retry({ attempts: 5, backoff: FAST_RETRY })
        handle() {
          calls++;
        }
      }
      const app = await h.start([Strict]);
      await app.bus.publish(topic, { orderId: 42, total: -1 });
      const [letter] = await h.deadLetters(app.transport, `${group}.handle`, 1);
      expect(calls).toBe(0);
      expect(letter!.headers[DeadLetterHeaders.reason]).toBe('SWY_VALIDATION_FAILED');
      expect(letter!.headers[DeadLetterHeaders.attempts]).toBe('1');
      expect(letter!.headers[DeadLetterHeaders.error]).toMatch(/orderId/);
      expect(letter!.headers[DeadLetterHeaders.error]).toMatch(/total/);
    },
  },
  {
    name: 'dead-letters an undecodable body at once, keeping the bytes',
    async run(h) {
      const topic = h.name('orders.placed');
      const group = h.name('reader');
      let calls = 0;
      @Consumer({ group })
      class Reader {
        @Subscribe(topic)
        handle() {
          calls++;
        }
      }
      const app = await h.start([Reader]);
      await h.options.publishForeign(topic, '{"orderId": "o-1", broken');
      const [letter] = await h.deadLetters(app.transport, `${group}.handle`, 1);
      expect(calls).toBe(0);
      expect(letter!.headers[DeadLetterHeaders.reason]).toBe('SWY_DECODE_FAILED');
      expect(letter!.body.toString('utf8')).toBe('{"orderId": "o-1", broken');
    },
  },
  {
    name: 'fails a handler that never settles with a timeout, retries it, then dead-letters it',
    async run(h) {
      const topic = h.name('orders.placed');
      const group = h.name('stuck');
      let calls = 0;
      @Consumer({ group })
      class Stuck {
        @Subscribe(topic, { timeoutMs: 100 })
        @Retry({ attempts: 2, backoff: FAST_RETRY })
        handle() {
          calls++;
          return new Promise(() => undefined);
        }
      }
      const app = await h.start([Stuck]);
      await app.bus.publish(topic, { orderId: 'o-1' });
      const [letter] = await h.deadLetters(app.transport, `${group}.handle`, 1);
      expect(calls).toBe(2);
      expect(letter!.headers[DeadLetterHeaders.reason]).toBe('SWY_HANDLER_TIMEOUT');
      expect(letter!.headers[DeadLetterHeaders.attempts]).toBe('2');
    },
  },
  {
    name: 'runs an at-most-once handler once even when it fails, and keeps the message as a dead letter',
    async run(h) {
      const topic = h.name('metrics.sampled');
      const group = h.name('sampler');
      let calls = 0;
      @Consumer({ group })
      class Sampler {
        @Subscribe(topic, { guarantee: 'at-most-once' })
        @Retry({ attempts: 5, backoff: FAST_RETRY })
        handle() {
          calls++;
          throw new Error('sample store down');
        }
      }
      const app = await h.start([Sampler]);
      await app.bus.publish(topic, { value: 1 });
      const [letter] = await h.deadLetters(app.transport, `${group}.handle`, 1);
      expect(calls).toBe(1);
      expect(letter!.headers[DeadLetterHeaders.attempts]).toBe('1');
    },
  },
  {
    name: 'dead-letters a message its handler rejects on purpose, without retrying',
    async run(h) {
      const topic = h.name('orders.placed');
      const group = h.name('picky');
      let calls = 0;
      @Consumer({ group })
      class Picky {
        @Subscribe(topic)
        handle(_payload: unknown, ctx: MessageContext) {
          calls++;
          ctx.reject('order belongs to another region');
        }
      }
      const app = await h.start([Picky]);
      await app.bus.publish(topic, { orderId: 'o-1' });
      const [letter] = await h.deadLetters(app.transport, `${group}.handle`, 1);
      expect(calls).toBe(1);
      expect(letter!.headers[DeadLetterHeaders.reason]).toBe('SWY_REJECTED');
      expect(letter!.headers[DeadLetterHeaders.error]).toBe('order belongs to another region');
    },
  },
];
