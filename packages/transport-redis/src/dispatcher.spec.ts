import { describe, expect, it } from '@jest/globals';
import { ACK, type InboundMessage, type Settlement } from '@switchyard/core';
import { waitFor } from '@switchyard/testing';
import type { Delivery } from './delivery';
import { type DispatchHooks, Dispatcher } from './dispatcher';

function delivery(n: number, key?: string): Delivery {
  const message: InboundMessage = {
    id: `m${n}`,
    topic: 't',
    key,
    headers: {},
    body: Buffer.from(String(n)),
    timestamp: 0,
    priority: undefined,
    delayMs: undefined,
    attempt: 1,
    queue: 'q',
  };
  return {
    stream: 's',
    entryId: `${n}-0`,
    message,
    deliveryCount: 1,
    acked: false,
  };
}

/** Hooks whose handler runs until the test releases it, recording what happened. */
class Recording implements DispatchHooks {
  readonly started: string[] = [];
  readonly settled: string[] = [];
  readonly done: string[] = [];
  readonly releases = new Map<string, (settlement: Settlement) => void>();
  running = 0;
  maxRunning = 0;

  handle(d: Delivery): Settlement | undefined | Promise<Settlement | undefined> {
    this.started.push(`${d.message.id}@${d.message.attempt}`);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise((resolve) =>
      this.releases.set(d.message.id, (settlement) => {
        this.running--;
        this.releases.delete(d.message.id);
        resolve(settlement);
      }),
    );
  }

  /** The dispatcher to tell when a settlement is applied. */
  dispatcher: Dispatcher | undefined;

  settle(d: Delivery, settlement: Settlement): void {
    this.settled.push(`${d.message.id}:${settlement.kind}`);
    // Applied asynchronously, as Redis would.
    void Promise.resolve().then(() => this.dispatcher!.settled(d));
  }

  async beforeRetryInPlace(): Promise<void> {}

  finished(d: Delivery): void {
    this.done.push(d.message.id);
  }

  release(id: string, settlement: Settlement = ACK): void {
    this.releases.get(id)!(settlement);
  }
}

/** Hooks whose handler settles every delivery but the first at once, as a sync handler does. */
class SettlingAtOnce extends Recording {
  override handle(d: Delivery): Settlement | undefined | Promise<Settlement | undefined> {
    if (d.message.id === 'm1') return super.handle(d);
    this.started.push(`${d.message.id}@${d.message.attempt}`);
    return ACK;
  }
}

function setup(concurrency: number, ordered: boolean, hooks = new Recording()) {
  const dispatcher = new Dispatcher(concurrency, ordered, hooks);
  hooks.dispatcher = dispatcher;
  return { hooks, dispatcher };
}

describe('Dispatcher', () => {
  it('runs at most `concurrency` handlers at once', async () => {
    const { hooks, dispatcher } = setup(2, false);
    for (let n = 1; n <= 5; n++) dispatcher.add(delivery(n));
    expect(hooks.started).toEqual(['m1@1', 'm2@1']);
    hooks.release('m1');
    await waitFor(() => hooks.started.length === 3);
    expect(hooks.maxRunning).toBe(2);
    expect(dispatcher.outstanding).toBe(4);
  });

  it('serves one key at a time, in order, while other keys proceed', async () => {
    const { hooks, dispatcher } = setup(4, true);
    dispatcher.add(delivery(1, 'a'));
    dispatcher.add(delivery(2, 'a'));
    dispatcher.add(delivery(3, 'b'));
    expect(hooks.started).toEqual(['m1@1', 'm3@1']);
    hooks.release('m1');
    await waitFor(() => hooks.started.includes('m2@1'));
    expect(hooks.settled).toEqual(['m1:ack']);
  });

  it('retries an ordered message in place, ahead of later messages with its key', async () => {
    const { hooks, dispatcher } = setup(2, true);
    const first = delivery(1, 'a');
    dispatcher.add(first);
    dispatcher.add(delivery(2, 'a'));
    hooks.release('m1', { kind: 'retry', delayMs: 20, headers: { 'x-failed': 'yes' } });
    await waitFor(() => hooks.started.length === 2);
    expect(hooks.started).toEqual(['m1@1', 'm1@2']);
    expect(first.deliveryCount).toBe(2);
    expect(first.message.headers['x-failed']).toBe('yes');
    expect(hooks.settled).toEqual([]);
    hooks.release('m1');
    await waitFor(() => hooks.started.includes('m2@1'));
  });

  it('settles the retry of an unordered message through the hooks', async () => {
    const { hooks, dispatcher } = setup(1, false);
    dispatcher.add(delivery(1, 'a'));
    hooks.release('m1', { kind: 'retry', delayMs: 0, headers: {} });
    await waitFor(() => hooks.done.length === 1);
    expect(hooks.settled).toEqual(['m1:retry']);
  });

  it('hands back what did not start on stop, and waits for what runs', async () => {
    const { hooks, dispatcher } = setup(1, true);
    dispatcher.add(delivery(1, 'a'));
    dispatcher.add(delivery(2, 'a'));
    dispatcher.add(delivery(3, 'b'));
    const unstarted = dispatcher.stop();
    expect(unstarted.map((d) => d.message.id).sort()).toEqual(['m2', 'm3']);
    expect(dispatcher.outstanding).toBe(1);
    let idle = false;
    const waiting = dispatcher.idle().then(() => (idle = true));
    expect(idle).toBe(false);
    hooks.release('m1');
    await waiting;
    expect(hooks.settled).toEqual(['m1:ack']);
    expect(dispatcher.outstanding).toBe(0);
  });

  it('applies settlements known at once in order, one key at a time, however many wait', async () => {
    const { hooks, dispatcher } = setup(2, true, new SettlingAtOnce());
    const count = 20_000;
    for (let n = 1; n <= count; n++) dispatcher.add(delivery(n, 'a'));
    expect(hooks.started).toEqual(['m1@1']);
    hooks.release('m1');
    await waitFor(() => hooks.done.length === count);
    const inOrder = Array.from({ length: count }, (_, i) => `m${i + 1}`);
    expect(hooks.started).toEqual(inOrder.map((id) => `${id}@1`));
    expect(hooks.settled).toEqual(inOrder.map((id) => `${id}:ack`));
    expect(dispatcher.outstanding).toBe(0);
  });

  it('hands back an ordered message waiting for its retry on stop', async () => {
    const { hooks, dispatcher } = setup(1, true);
    dispatcher.add(delivery(1, 'a'));
    hooks.release('m1', { kind: 'retry', delayMs: 60_000, headers: {} });
    await waitFor(() => hooks.running === 0);
    await dispatcher.idle();
    const unstarted = dispatcher.stop();
    expect(unstarted.map((d) => `${d.message.id}@${d.deliveryCount}`)).toEqual(['m1@2']);
  });
});
