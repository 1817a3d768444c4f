import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/** Settings of the pool, from `KafkaOptions`. */
export interface TransactionPoolSettings {
  /** Transactional ids are `<prefix>-<n>`. */
  readonly idPrefix: string;
  readonly size: number;
  readonly transactionTimeoutMs: number;
}

/**
 * Transactional producers, created on demand up to `size`. kafkajs runs one transaction at a
 * time per producer, so concurrent transactions each take one; when all are busy, a transaction
 * waits for the next one to come back.
 */
export class TransactionPool {
  private readonly idle: Producer[] = [];
  private readonly all = new Set<Producer>();
  private readonly waiting: ((producer: Producer) => void)[] = [];
  private nextId = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: TransactionPoolSettings,
  ) {}

  /** A producer with no open transaction. */
  async acquire(): Promise<Producer> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.all.size < this.settings.size) return this.create();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives a producer back; a broken one (fenced, failed) is closed and replaced on demand. */
  release(producer: Producer, broken = false): void {
    if (broken) {
      this.all.delete(producer);
      void producer.disconnect().catch(() => undefined);
      const waiter = this.waiting.shift();
      if (waiter) void this.create().then(waiter, () => this.waiting.unshift(waiter));
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(producer);
    else this.idle.push(producer);
  }

  async close(): Promise<void> {
    const producers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(producers.map((producer) => producer.disconnect().catch(() => undefined)));
  }

  private async create(): Promise<Producer> {
    const producer = this.kafka.producer({
      transactionalId: `${this.settings.idPrefix}-${this.nextId++}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.settings.transactionTimeoutMs,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.all.add(producer);
    try {
      await producer.connect();
    } catch (error) {
      this.all.delete(producer);
      throw error;
    }
    return producer;
  }
}
