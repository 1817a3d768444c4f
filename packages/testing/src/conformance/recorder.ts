import { Consumer, type MessageContext, Subscribe, type Type } from '@switchyard/core';
import { waitFor } from '../wait-for';

/** One handled message, as a case's handler saw it. */
export interface Handled<T = unknown> {
  readonly payload: T;
  readonly ctx: MessageContext;
  /** Which app (instance) handled it. */
  readonly instance: string;
}

/** Collects what handlers saw, and waits until enough arrived. */
export class Recorder<T = unknown> {
  readonly handled: Handled<T>[] = [];

  record(payload: T, ctx: MessageContext, instance = 'default'): void {
    this.handled.push({ payload, ctx, instance });
  }

  /**
   * A consumer of group `group` whose `handle` method records what `topic` brings (its queue is
   * `<group>.handle`), with the group as the instance.
   */
  consumer(group: string, topic: string): Type {
    const record = (payload: T, ctx: MessageContext) => this.record(payload, ctx, group);
    @Consumer({ group })
    class Recording {
      @Subscribe(topic)
      handle(payload: T, ctx: MessageContext): void {
        record(payload, ctx);
      }
    }
    return Recording;
  }

  get payloads(): T[] {
    return this.handled.map((entry) => entry.payload);
  }

  /** Waits until at least `count` messages were handled. */
  async waitForCount(count: number, timeoutMs: number, what = 'messages'): Promise<Handled<T>[]> {
    await waitFor(() => this.handled.length >= count, {
      timeoutMs,
      message: () => `${count} ${what} (got ${this.handled.length})`,
    });
    return this.handled;
  }
}
