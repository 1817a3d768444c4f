import { Consumer } from './decorators/consumer.decorator';
import { Idempotent } from './decorators/idempotent.decorator';
import { Retry } from './decorators/retry.decorator';
import { RpcHandler } from './decorators/rpc-handler.decorator';
import { Subscribe } from './decorators/subscribe.decorator';
import { ConfigurationError } from './errors';
import { MemoryIdempotencyStore } from './idempotency/memory-idempotency-store';
import { type RouteDefaults, resolveRoutes } from './routes';

const defaults: RouteDefaults = {
  timeoutMs: 1_000,
  retry: { attempts: 4 },
  idempotencyStore: undefined,
};

describe('resolveRoutes', () => {
  it('names queues <group>.<method> and takes defaults from consumer and app', () => {
    @Consumer({ group: 'billing', concurrency: 8 })
    class Billing {
      @Subscribe('orders.created')
      onCreated() {}

      @Subscribe(['orders.*', 'refunds.#'], { queue: 'audit-log', concurrency: 2 })
      @Retry({ attempts: 9 })
      audit() {}

      @RpcHandler('billing.quote')
      quote() {}
    }
    const [created, audit, quote] = resolveRoutes([Billing], defaults);
    expect(created).toMatchObject({
      name: 'Billing.onCreated',
      group: 'billing',
      queue: 'billing.onCreated',
      kind: 'event',
      patterns: ['orders.created'],
      concurrency: 8,
      prefetch: 16,
      guarantee: 'at-least-once',
      retry: { attempts: 4 },
      timeoutMs: 1_000,
    });
    expect(audit).toMatchObject({
      queue: 'audit-log',
      patterns: ['orders.*', 'refunds.#'],
      concurrency: 2,
      retry: { attempts: 9 },
    });
    expect(quote).toMatchObject({
      kind: 'rpc',
      patterns: ['billing.quote'],
      retry: { attempts: 1 },
    });
  });

  it('defaults the group to the class name', () => {
    @Consumer()
    class Shipping {
      @Subscribe('orders.paid')
      ship() {}
    }
    expect(resolveRoutes([Shipping], defaults)[0]!.queue).toBe('Shipping.ship');
  });

  it('applies a class-wide @Retry to handlers without their own', () => {
    @Consumer()
    @Retry({ attempts: 7 })
    class Patient {
      @Subscribe('a.b')
      handle() {}
    }
    expect(resolveRoutes([Patient], defaults)[0]!.retry).toEqual({ attempts: 7 });
  });

  it('never retries an at-most-once handler', () => {
    @Consumer()
    class Sampler {
      @Subscribe('metrics.sampled', { guarantee: 'at-most-once' })
      @Retry({ attempts: 5 })
      sample() {}
    }
    expect(resolveRoutes([Sampler], defaults)[0]!.retry).toEqual({ attempts: 1 });
  });

  describe('fails at start-up, naming class and method', () => {
    it('when one method carries two handler decorators', () => {
      @Consumer()
      class Confused {
        @Subscribe('a.b')
        @RpcHandler('a.c')
        both() {}
      }
      expect(() => resolveRoutes([Confused], defaults)).toThrow(
        new ConfigurationError(
          'Confused.both: a method takes one handler decorator, found @RpcHandler and @Subscribe; split it into two methods',
        ),
      );
    });

    it('when a pattern is malformed', () => {
      @Consumer()
      class Sloppy {
        @Subscribe('orders..created')
        handle() {}
      }
      expect(() => resolveRoutes([Sloppy], defaults)).toThrow(/Sloppy\.handle: .*empty word/);
    });

    it('when an RPC topic has wildcards', () => {
      @Consumer()
      class Vague {
        @RpcHandler('quotes.*')
        quote() {}
      }
      expect(() => resolveRoutes([Vague], defaults)).toThrow(/Vague\.quote: /);
    });

    it('when @Idempotent has no store', () => {
      @Consumer()
      class Forgetful {
        @Subscribe('payments.captured')
        @Idempotent({ key: (m) => m.message.id, ttlMs: 1_000 })
        capture() {}
      }
      expect(() => resolveRoutes([Forgetful], defaults)).toThrow(
        /Forgetful\.capture: @Idempotent needs a store/,
      );
      expect(() =>
        resolveRoutes([Forgetful], { ...defaults, idempotencyStore: new MemoryIdempotencyStore() }),
      ).not.toThrow();
    });

    it('when @Retry or @Idempotent stands without a handler decorator', () => {
      @Consumer()
      class Orphan {
        @Subscribe('a.b')
        handle() {}

        @Retry({ attempts: 2 })
        helper() {}
      }
      expect(() => resolveRoutes([Orphan], defaults)).toThrow(
        /Orphan\.helper: @Retry or @Idempotent needs @Subscribe/,
      );
    });

    it('when a class is listed without @Consumer', () => {
      class Plain {
        @Subscribe('a.b')
        handle() {}
      }
      expect(() => resolveRoutes([Plain], defaults)).toThrow(
        /Plain is listed as a consumer but has no @Consumer/,
      );
    });

    it('when two handlers would consume one queue', () => {
      @Consumer({ group: 'g' })
      class First {
        @Subscribe('a.b', { queue: 'shared' })
        handle() {}
      }
      @Consumer({ group: 'g' })
      class Second {
        @Subscribe('a.c', { queue: 'shared' })
        handle() {}
      }
      expect(() => resolveRoutes([First, Second], defaults)).toThrow(
        /Second\.handle and First\.handle both consume queue "shared"/,
      );
    });

    it('when concurrency is not a positive integer', () => {
      @Consumer({ concurrency: 0 })
      class Idle {
        @Subscribe('a.b')
        handle() {}
      }
      expect(() => resolveRoutes([Idle], defaults)).toThrow(
        /Idle\.handle: concurrency must be a positive integer/,
      );
    });
  });
});
