import type { Received } from './inbound';

/**
 * Messages fetched and not yet handed to a handler, in receive order. On an ordered queue it also
 * knows which message groups have a handler running, and hands out only messages of other groups,
 * so a key's messages run one at a time, in order.
 */
export class DeliveryBuffer {
  private readonly messages: Received[] = [];
  private readonly running = new Set<string>();

  constructor(private readonly ordered: boolean) {}

  get size(): number {
    return this.messages.length;
  }

  push(message: Received): void {
    this.messages.push(message);
  }

  /** Takes the next message a handler may run, marking its group running; undefined if none. */
  take(): Received | undefined {
    if (!this.ordered) return this.messages.shift();
    const index = this.messages.findIndex((message) => this.isFree(message.group));
    if (index < 0) return undefined;
    const [message] = this.messages.splice(index, 1);
    if (message?.group !== undefined) this.running.add(message.group);
    return message;
  }

  /** The handler of a message taken from here is done: its group may run again. */
  finished(message: Received): void {
    if (this.ordered && message.group !== undefined) this.running.delete(message.group);
  }

  /** Messages that a free handler could start now. */
  runnable(): number {
    if (!this.ordered) return this.messages.length;
    let count = 0;
    for (const message of this.messages) if (this.isFree(message.group)) count++;
    return count;
  }

  /** Removes and returns the messages of a group (all later than the one running). */
  removeGroup(group: string): Received[] {
    const removed: Received[] = [];
    for (let index = this.messages.length - 1; index >= 0; index--) {
      if (this.messages[index]?.group === group) removed.unshift(...this.messages.splice(index, 1));
    }
    return removed;
  }

  /** Removes and returns every message. */
  removeAll(): Received[] {
    return this.messages.splice(0);
  }

  private isFree(group: string | undefined): boolean {
    return group === undefined || !this.running.has(group);
  }
}
