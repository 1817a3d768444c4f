import {
  type InboundMessage,
  LifecycleError,
  type OutgoingMessage,
  type TransportTransaction,
} from '@switchyard/core';
import type { MemoryBroker } from './memory-broker';

/** Buffers publishes and releases them, with the consumed message's acknowledgement, on commit. */
export class MemoryTransaction implements TransportTransaction {
  private readonly pending: OutgoingMessage[] = [];
  private done = false;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly consumed: InboundMessage | undefined,
  ) {}

  async publish(message: OutgoingMessage): Promise<void> {
    this.assertOpen();
    this.pending.push(message);
  }

  async commit(): Promise<void> {
    this.assertOpen();
    this.done = true;
    for (const message of this.pending) this.broker.publish(message);
    if (this.consumed) this.broker.queue(this.consumed.queue)?.acknowledge(this.consumed);
  }

  async abort(): Promise<void> {
    this.done = true;
    this.pending.length = 0;
  }

  private assertOpen(): void {
    if (this.done) throw new LifecycleError('The transaction was already committed or aborted');
  }
}
