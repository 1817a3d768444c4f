import {
  ConfigurationError,
  Consumer,
  Injectable,
  MessageBus,
  type MessageContext,
  Subscribe,
  Switchyard,
  UnknownTransportError,
  createTransport,
  silentLogger,
} from '@switchyard/core';
import {
  MEMORY_CAPABILITIES,
  MemoryBroker,
  MemoryTransport,
  Recorder,
  waitFor,
} from '@switchyard/testing';

const issuedInvoices: string[] = [];

@Injectable()
class InvoiceService {
  issue(orderId: string): void {
    issuedInvoices.push(orderId);
  }
}

describe('a Switchyard app', () => {
  const apps: Switchyard[] = [];
  const start = async (app: Switchyard) => {
    apps.push(app);
    await app.start();
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
  });

  it('injects services and the MessageBus into consumers', async () => {
    @Consumer({ group: 'billing' })
    class Billing {
      constructor(
        readonly invoices: InvoiceService,
        readonly bus: MessageBus,
      ) {}

      @Subscribe('di.orders.created')
      async onCreated(order: { orderId: string }) {
        this.invoices.issue(order.orderId);
        await this.bus.publish('di.invoices.issued', { orderId: order.orderId });
      }
    }
    const issued = new Recorder<{ orderId: string }>();
    @Consumer({ group: 'ledger' })
    class Ledger {
      @Subscribe('di.invoices.issued')
      onIssued(invoice: { orderId: string }, ctx: MessageContext) {
        issued.record(invoice, ctx);
      }
    }
    const app = await start(
      await Switchyard.create({
        transport: new MemoryTransport(new MemoryBroker()),
        consumers: [Billing, Ledger],
        logger: silentLogger,
      }),
    );
    await app.bus.publish('di.orders.created', { orderId: 'o-1' });
    await issued.waitForCount(1, 5_000);
    expect(issuedInvoices).toEqual(['o-1']);
  });

  it('serves Prometheus metrics and health over HTTP', async () => {
    @Consumer({ group: 'observed' })
    class Observed {
      @Subscribe('obs.ping')
      ping() {}
    }
    const app = await start(
      await Switchyard.create({
        transport: new MemoryTransport(new MemoryBroker()),
        consumers: [Observed],
        httpPort: 0,
        logger: silentLogger,
      }),
    );
    await app.bus.publish('obs.ping', {});
    const base = `http://127.0.0.1:${app.httpPort}`;
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return text.includes('messages_processed_total{queue="observed.ping",status="success"} 1')
        ? text
        : undefined;
    });
    expect(metrics).toContain(
      'message_processing_seconds_bucket{le="0.0005",queue="observed.ping"}',
    );
    expect(metrics).toContain('queue_size{queue="observed.ping"} 0');
    expect(metrics).toContain('messages_published_total 1');
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'up',
      transport: 'memory',
      queues: ['observed.ping'],
    });
  });

  it('drains in-flight handlers on stop before closing', async () => {
    let finished = 0;
    let started = 0;
    @Consumer({ group: 'slow', concurrency: 3 })
    class Slow {
      @Subscribe('drain.work')
      async work() {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished++;
      }
    }
    const broker = new MemoryBroker();
    const app = await start(
      await Switchyard.create({
        transport: new MemoryTransport(broker),
        consumers: [Slow],
        logger: silentLogger,
      }),
    );
    for (let i = 0; i < 3; i++) await app.bus.publish('drain.work', { i });
    await waitFor(() => started === 3);
    await app.stop();
    expect(finished).toBe(3);
    expect(broker.queue('slow.work')!.size).toBe(0);
    expect(app.state).toBe('stopped');
  });

  it('keeps apps in different namespaces apart on one broker', async () => {
    const seen = new Recorder<{ from: string }>();
    @Consumer({ group: 'billing' })
    class Billing {
      @Subscribe('orders.*')
      onOrder(order: { from: string }, ctx: MessageContext) {
        seen.record(order, ctx);
      }
    }
    const broker = new MemoryBroker();
    const create = (namespace: string) =>
      Switchyard.create({
        transport: new MemoryTransport(broker),
        consumers: [Billing],
        namespace,
        logger: silentLogger,
      });
    const staging = await start(await create('staging'));
    const production = await start(await create('production'));
    expect(staging.routes[0].queue).toBe('staging.billing.onOrder');
    expect(staging.routes[0].patterns).toEqual(['staging.orders.*']);
    await staging.bus.publish('orders.created', { from: 'staging' });
    await production.bus.publish('orders.created', { from: 'production' });
    await seen.waitForCount(2, 5_000);
    expect(
      seen.handled
        .map((entry) => `${entry.ctx.topic} ${entry.ctx.message.queue} ${entry.payload.from}`)
        .sort(),
    ).toEqual([
      'production.orders.created production.billing.onOrder production',
      'staging.orders.created staging.billing.onOrder staging',
    ]);
    await expect(create('bad.*')).rejects.toThrow(
      'namespace "bad.*" must be dotted words without wildcards',
    );
  });

  it('refuses an exactly-once handler on a transport without transactions', async () => {
    class NoTransactions extends MemoryTransport {
      override readonly capabilities = { ...MEMORY_CAPABILITIES, transactions: false };
    }
    @Consumer()
    class Payments {
      @Subscribe('pay.requested', { guarantee: 'exactly-once' })
      capture() {}
    }
    await expect(
      Switchyard.create({
        transport: new NoTransactions(),
        consumers: [Payments],
        logger: silentLogger,
      }),
    ).rejects.toThrow(ConfigurationError);
  });

  it('says which consumer cannot be constructed and why', async () => {
    class Unregistered {
      constructor(readonly name: string) {}
    }
    @Consumer()
    class Needy {
      constructor(readonly dependency: Unregistered) {}

      @Subscribe('needy.thing')
      handle() {}
    }
    await expect(
      Switchyard.create({ transport: 'memory://needy', consumers: [Needy], logger: silentLogger }),
    ).rejects.toThrow(/Cannot construct Needy: [\s\S]*Mark its dependencies @Injectable\(\)/);
  });
});

describe('createTransport', () => {
  it('creates the in-memory transport from memory://', () => {
    expect(createTransport('memory://').name).toBe('memory');
  });

  it('lists what is installed when no transport handles a scheme', () => {
    expect(() => createTransport('nats://localhost:4222')).toThrow(UnknownTransportError);
    expect(() => createTransport('nats://localhost:4222')).toThrow(
      /No transport handles "nats:\/\/"\. Installed: .*memory:\/\/ \(@switchyard\/testing\)/,
    );
  });

  it('rejects something that is not a URL', () => {
    expect(() => createTransport('rabbit')).toThrow(/"rabbit" is not a transport URL/);
  });
});
