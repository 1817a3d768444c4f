import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a delivery ended, as the `status` label of `messages_processed_total`. */
export type ProcessingStatus = 'success' | 'retried' | 'dead_lettered' | 'skipped' | 'duplicate';

/** Pre-bound metric children of one queue, so the hot path does no label lookups. */
export interface QueueMetrics {
  readonly processed: Readonly<Record<ProcessingStatus, { inc(): void }>>;
  readonly duration: { observe(seconds: number): void };
  readonly inFlight: { inc(): void; dec(): void };
}

/**
 * Switchyard's Prometheus metrics, in a registry of the app's own (pass one to share it with the
 * rest of the service). Names follow what operators expect from message consumers.
 */
export class SwitchyardMetrics {
  readonly registry: Registry;
  /** `messages_processed_total{queue,status}` */
  readonly processed: Counter<'queue' | 'status'>;
  /** `message_processing_seconds{queue}` */
  readonly duration: Histogram<'queue'>;
  /** `queue_size{queue}`, polled from the broker where it can tell. */
  readonly queueSize: Gauge<'queue'>;
  /** `messages_in_flight{queue}` */
  readonly inFlight: Gauge<'queue'>;
  /** `messages_retried_total{queue}` */
  readonly retried: Counter<'queue'>;
  /** `messages_dead_lettered_total{queue,reason}` */
  readonly deadLettered: Counter<'queue' | 'reason'>;
  /** `messages_published_total`, without a topic label: topics are unbounded label values. */
  readonly published: Counter;
  /** `rpc_request_seconds{topic,status}` */
  readonly rpcDuration: Histogram<'topic' | 'status'>;
  /** `rpc_late_replies_total`: replies that came after their request timed out (dropped). */
  readonly rpcLateReplies: Counter;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.processed = new Counter({
      name: 'messages_processed_total',
      help: 'Messages handled, by queue and outcome',
      labelNames: ['queue', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'message_processing_seconds',
      help: 'Time from delivery to settlement verdict, by queue',
      labelNames: ['queue'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.queueSize = new Gauge({
      name: 'queue_size',
      help: 'Messages waiting in the queue, as the broker reports it',
      labelNames: ['queue'],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'messages_in_flight',
      help: 'Messages being handled right now',
      labelNames: ['queue'],
      registers,
    });
    this.retried = new Counter({
      name: 'messages_retried_total',
      help: 'Deliveries that failed and were scheduled for another attempt',
      labelNames: ['queue'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'messages_dead_lettered_total',
      help: 'Messages moved to the dead-letter destination, by reason',
      labelNames: ['queue', 'reason'],
      registers,
    });
    this.published = new Counter({
      name: 'messages_published_total',
      help: 'Messages published by this process',
      registers,
    });
    this.rpcDuration = new Histogram({
      name: 'rpc_request_seconds',
      help: 'Time from request to reply, by topic and outcome',
      labelNames: ['topic', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.rpcLateReplies = new Counter({
      name: 'rpc_late_replies_total',
      help: 'Replies that arrived after their request had timed out; dropped',
      registers,
    });
  }

  /** Binds the per-queue children once, at start-up. */
  forQueue(queue: string): QueueMetrics {
    const processed = {} as Record<ProcessingStatus, { inc(): void }>;
    for (const status of ['success', 'retried', 'dead_lettered', 'skipped', 'duplicate'] as const) {
      processed[status] = this.processed.labels(queue, status);
    }
    return {
      processed,
      duration: this.duration.labels(queue),
      inFlight: this.inFlight.labels(queue),
    };
  }

  /** The text exposition for `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
