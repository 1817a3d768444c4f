/**
 * The embedded broker through the full pipeline (publish → route → decode → [validate] → handler →
 * settle), against a bare loop doing the same decoding (and validation) and calling the handler
 * directly. The ratio is what the framework costs on top of the work any consumer does.
 */
import 'reflect-metadata';
import {
  Consumer,
  type MessageContext,
  Subscribe,
  Switchyard,
  type Type,
  silentLogger,
} from '@switchyard/core';
import { MemoryBroker, MemoryTransport } from '@switchyard/testing';
import { plainToInstance } from 'class-transformer';
import { IsNumber, IsString, Min, validateSync } from 'class-validator';
import { type BenchRow, type Benchmark, type Measurement, measure, now, until } from './bench-kit';

class OrderCreated {
  @IsString() orderId!: string;
  @IsNumber() @Min(0) total!: number;
  @IsNumber() sentAt!: number;
}

interface Sink {
  handled: number;
  latencies: number[];
}

function handle(sink: Sink, order: { sentAt: number }): void {
  sink.latencies.push(now() - order.sentAt);
  sink.handled++;
}

function consumerFor(sink: Sink, schema: Type | undefined): Type {
  @Consumer({ group: 'bench', concurrency: 64 })
  class BenchConsumer {
    @Subscribe('orders.created', schema ? { schema } : {})
    onOrder(order: OrderCreated, _ctx: MessageContext): void {
      handle(sink, order);
    }
  }
  return BenchConsumer;
}

async function throughSwitchyard(messages: number, schema: Type | undefined): Promise<Measurement> {
  const sink: Sink = { handled: 0, latencies: [] };
  const app = await Switchyard.create({
    transport: new MemoryTransport(new MemoryBroker()),
    consumers: [consumerFor(sink, schema)],
    logger: silentLogger,
    queueSizeIntervalMs: 0,
  });
  await app.start();
  const startedAt = now();
  for (let i = 0; i < messages; i++) {
    await app.bus.publish('orders.created', { orderId: `o-${i}`, total: i, sentAt: now() });
    // Yield now and then, as a real producer would, so consumers run while publishing goes on.
    if (i % 256 === 255) await new Promise(setImmediate);
  }
  await until(() => sink.handled >= messages, 60_000, 'every message to be handled');
  const elapsed = now() - startedAt;
  await app.stop();
  return measure(messages, elapsed, sink.latencies);
}

async function bareLoop(messages: number, validate: boolean): Promise<Measurement> {
  const sink: Sink = { handled: 0, latencies: [] };
  const startedAt = now();
  for (let i = 0; i < messages; i++) {
    const body = Buffer.from(JSON.stringify({ orderId: `o-${i}`, total: i, sentAt: now() }));
    const plain = JSON.parse(body.toString('utf8')) as OrderCreated;
    if (validate) {
      const order = plainToInstance(OrderCreated, plain);
      if (validateSync(order).length > 0) throw new Error('invalid');
      handle(sink, order);
    } else {
      handle(sink, plain);
    }
    if (i % 256 === 255) await new Promise(setImmediate);
  }
  return measure(messages, now() - startedAt, sink.latencies);
}

/** The embedded broker's benchmark. */
export const benchmark: Benchmark = {
  name: 'memory',
  available: async () => true,
  async run(messages: number): Promise<BenchRow[]> {
    // Warm up both paths so the JIT has compiled them before anything is measured.
    await throughSwitchyard(2_000, OrderCreated);
    await bareLoop(2_000, true);
    const rows: BenchRow[] = [];
    for (const validation of [false, true]) {
      const schema = validation ? OrderCreated : undefined;
      rows.push({
        transport: 'memory',
        scenario: `publish → handler, validation ${validation ? 'on' : 'off'}`,
        messages,
        switchyard: await throughSwitchyard(messages, schema),
        baseline: await bareLoop(messages, validation),
        baselineName: `bare loop: JSON${validation ? ' + validate' : ''} + handler`,
      });
    }
    return rows;
  },
};
