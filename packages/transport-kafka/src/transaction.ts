import { LifecycleError, type OutgoingMessage, type TransportTransaction } from '@switchyard/core';
import type { Producer, Transaction } from 'kafkajs';
import { KafkaTransactionError } from './errors';
import { toRecord } from './records';
import type { TopicRegistry } from './topic-registry';
import type { TransactionPool } from './transaction-pool';

/** The consumed message of an exactly-once handler, whose offset commits with the transaction. */
export interface ConsumedOffset {
  /** Adds the message's offset to `transaction` (`sendOffsets`) and commits it. */
  commitWith(transaction: Transaction): Promise<void>;
}

/**
 * A Kafka transaction on a pooled transactional producer: its records, and the consumed offset
 * when there is one, become visible to `read_committed` consumers together on commit, or never.
 */
export class KafkaTransaction implements TransportTransaction {
  private done = false;

  constructor(
    private readonly producer: Producer,
    private readonly transaction: Transaction,
    private readonly pool: TransactionPool,
    private readonly topics: TopicRegistry,
    private readonly consumed: ConsumedOffset | undefined,
  ) {}

  async publish(message: OutgoingMessage): Promise<void> {
    this.assertOpen();
    await this.topics.ensure(message.topic);
    try {
      await this.transaction.send({
        topic: message.topic,
        acks: -1,
        messages: [toRecord(message)],
      });
    } catch (error) {
      throw new KafkaTransactionError(`publishing to "${message.topic}"`, error);
    }
  }

  async commit(): Promise<void> {
    this.assertOpen();
    this.done = true;
    try {
      if (this.consumed) await this.consumed.commitWith(this.transaction);
      else await this.transaction.commit();
    } catch (error) {
      const aborted = await this.transaction.abort().then(
        () => true,
        () => false,
      );
      this.pool.release(this.producer, !aborted);
      throw new KafkaTransactionError('committing', error);
    }
    this.pool.release(this.producer);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.transaction.abort();
    } catch (error) {
      this.pool.release(this.producer, true);
      throw new KafkaTransactionError('aborting', error);
    }
    this.pool.release(this.producer);
  }

  private assertOpen(): void {
    if (this.done) throw new LifecycleError('The transaction was already committed or aborted');
  }
}
