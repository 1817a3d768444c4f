import type { Producer } from 'kafkajs';

/**
 * A kafkajs producer that can be replaced. kafkajs keeps every topic a producer ever sent to in
 * its metadata requests; once one of them is deleted (a requester's reply inbox, a topic an
 * operator removed), every later metadata refresh of that producer fails. The cure is a new
 * producer, which starts with no topics.
 */
export class ProducerSlot {
  private current: Promise<Producer> | undefined;

  constructor(private readonly create: () => Producer) {}

  /** The connected producer, connecting one first if needed. */
  get(): Promise<Producer> {
    this.current ??= this.connectNew();
    return this.current;
  }

  /** Replaces the producer (the old one is disconnected in the background). */
  async replace(): Promise<Producer> {
    const old = this.current;
    this.current = this.connectNew();
    void old?.then((producer) => producer.disconnect()).catch(() => undefined);
    return this.current;
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.then((producer) => producer.disconnect()).catch(() => undefined);
  }

  private async connectNew(): Promise<Producer> {
    const producer = this.create();
    try {
      await producer.connect();
    } catch (error) {
      this.current = undefined;
      throw error;
    }
    return producer;
  }
}

/** Whether a kafkajs error (or one it wraps) says a topic does not exist. */
export function isUnknownTopic(error: unknown): boolean {
  for (
    let e = error as { type?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
  }
  return false;
}
