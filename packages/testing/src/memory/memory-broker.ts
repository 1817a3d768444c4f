import {
  type InboundMessage,
  NoRouteError,
  type OutgoingMessage,
  type ReplyHandler,
  type SubscriptionSpec,
} from '@switchyard/core';
import { randomUUID } from 'node:crypto';
import { MemoryQueue } from './memory-queue';

const brokers = new Map<string, MemoryBroker>();

/**
 * The embedded broker: durable queues bound to topic patterns, fan-out to every matching queue,
 * competing consumers within one, reply inboxes for RPC. It lives as long as the process, so
 * transports may connect and disconnect from it like clients of a real broker.
 */
export class MemoryBroker {
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly routes = new Map<string, MemoryQueue[]>();
  private readonly inboxes = new Map<string, ReplyHandler>();

  /** The broker of a name, shared by every `memory://<name>` transport of the process. */
  static named(name = 'default'): MemoryBroker {
    let broker = brokers.get(name);
    if (!broker) {
      broker = new MemoryBroker();
      brokers.set(name, broker);
    }
    return broker;
  }

  /** Creates the queue if needed and binds the spec's patterns to it. */
  declareQueue(spec: SubscriptionSpec): MemoryQueue {
    let queue = this.queues.get(spec.queue);
    if (!queue) {
      queue = new MemoryQueue(spec.queue);
      this.queues.set(spec.queue, queue);
    }
    queue.declare(spec);
    this.routes.clear();
    return queue;
  }

  queue(name: string): MemoryQueue | undefined {
    return this.queues.get(name);
  }

  /** Every declared queue, in declaration order. */
  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** Every queue whose patterns match the message's topic gets a copy. */
  publish(message: OutgoingMessage, mandatory = false): void {
    const queues = this.route(message.topic);
    if (queues.length === 0 && mandatory) throw new NoRouteError(message.topic);
    for (const queue of queues) {
      queue.enqueue({ message, headers: message.headers, attempt: 1 }, message.delayMs);
    }
  }

  openInbox(onReply: ReplyHandler): string {
    const address = `memory-inbox.${randomUUID()}`;
    this.inboxes.set(address, onReply);
    return address;
  }

  closeInbox(address: string): void {
    this.inboxes.delete(address);
  }

  /** Delivers a reply to its inbox; a reply to a closed inbox is dropped, as on a real broker. */
  reply(address: string, message: OutgoingMessage): void {
    const inbox = this.inboxes.get(address);
    if (!inbox) return;
    const inbound: InboundMessage = { ...message, attempt: 1, queue: address };
    queueMicrotask(() => inbox(inbound));
  }

  private route(topic: string): MemoryQueue[] {
    let queues = this.routes.get(topic);
    if (!queues) {
      queues = [...this.queues.values()].filter((queue) => queue.matches(topic));
      this.routes.set(topic, queues);
    }
    return queues;
  }
}
