import type { Admin, Message } from 'kafkajs';
import { KafkaPublishError } from './errors';
import { type ProducerSlot, isUnknownTopic } from './producer-slot';

/**
 * Sends RPC replies with a producer of its own. Requesters come and go, and each one deletes
 * its inbox topic when it stops; a producer that once replied to a deleted inbox can no longer
 * refresh its metadata (see `ProducerSlot`). So before the first reply to a new inbox this
 * checks which inboxes still exist, starts a fresh producer when one it used is gone, and drops
 * replies to inboxes that no longer exist — as a broker drops mail to a closed queue.
 */
export class ReplySender {
  private used = new Set<string>();

  constructor(
    private readonly producer: ProducerSlot,
    private readonly admin: Admin,
  ) {}

  async send(address: string, record: Message): Promise<void> {
    if (!this.used.has(address)) {
      const existing = new Set(await this.admin.listTopics());
      if (!existing.has(address)) return;
      if ([...this.used].some((topic) => !existing.has(topic))) await this.restart();
      this.used.add(address);
    }
    try {
      await (await this.producer.get()).send({ topic: address, acks: -1, messages: [record] });
    } catch (error) {
      if (!isUnknownTopic(error)) throw new KafkaPublishError(address, error);
      // An inbox vanished since the check: start over once, without it.
      await this.restart();
      await this.send(address, record);
    }
  }

  private async restart(): Promise<void> {
    this.used = new Set();
    await this.producer.replace();
  }
}
