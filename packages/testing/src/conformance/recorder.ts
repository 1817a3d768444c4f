import type { MessageContext } from '@switchyard/core';
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
