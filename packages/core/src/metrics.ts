import {
  Counter,
  Gauge,
  Histogram,
  type Metric,
  type MetricValueWithName,
  Registry,
} from 'prom-client';
import { PROCESSING_STATUSES, QueueMetrics } from './queue-metrics';

export { type ProcessingStatus, QueueMetrics } from './queue-metrics';

const DURATION_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

/**
 * Switchyard's Prometheus metrics, in a registry of the app's own (pass one to share it with the
 * rest of the service). Names follow what operators expect from message consumers. Per-message
 * figures are kept as plain numbers per queue (`forQueue`) and read when the registry is scraped.
 */
export class SwitchyardMetrics {
  readonly registry: Registry;
  /** `messages_processed_total{queue,status}` */
  readonly processed: Counter<'queue' | 'status'>;
  /** `message_processing_seconds{queue}`: time from delivery to the settlement verdict. */
  readonly duration: Metric;
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
  /** Messages published so far; the hot path adds to it, `published` reads it when scraped. */
  publishedCount = 0;
  /** `rpc_request_seconds{topic,status}` */
  readonly rpcDuration: Histogram<'topic' | 'status'>;
  /** `rpc_late_replies_total`: replies that came after their request had timed out (dropped). */
  readonly rpcLateReplies: Counter;
  private readonly queues = new Map<string, QueueMetrics>();

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    const queues = this.queues;
    this.processed = new Counter({
      name: 'messages_processed_total',
      help: 'Messages handled, by queue and outcome',
      labelNames: ['queue', 'status'],
      registers,
      collect() {
        this.reset();
        for (const stats of queues.values()) {
          for (const status of PROCESSING_STATUSES) {
            this.inc({ queue: stats.queue, status }, stats.processed[status]);
          }
        }
      },
    });
    this.inFlight = new Gauge({
      name: 'messages_in_flight',
      help: 'Messages being handled right now',
      labelNames: ['queue'],
      registers,
      collect() {
        for (const stats of queues.values()) this.set({ queue: stats.queue }, stats.inFlight);
      },
    });
    this.duration = durationHistogram(queues);
    registry.registerMetric(this.duration);
    this.queueSize = new Gauge({
      name: 'queue_size',
      help: 'Messages waiting in the queue, as the broker reports it',
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
    const publishedCount = () => this.publishedCount;
    this.published = new Counter({
      name: 'messages_published_total',
      help: 'Messages published by this process',
      registers,
      collect() {
        this.reset();
        this.inc(publishedCount());
      },
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

  /** The counters of one queue, created at start-up and updated on the hot path. */
  forQueue(queue: string): QueueMetrics {
    let stats = this.queues.get(queue);
    if (!stats) {
      stats = new QueueMetrics(queue, DURATION_BUCKETS);
      this.queues.set(queue, stats);
    }
    return stats;
  }

  /** The text exposition for `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** `message_processing_seconds` as prom-client renders a histogram, read from the queues' buckets. */
function durationHistogram(queues: ReadonlyMap<string, QueueMetrics>): Metric {
  const name = 'message_processing_seconds';
  const help = 'Time from delivery to settlement verdict, by queue';
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: MetricValueWithName<string>[] = [];
      for (const stats of queues.values()) {
        let cumulative = 0;
        stats.bounds.forEach((bound, index) => {
          cumulative += stats.bucketCounts[index];
          values.push({
            metricName: `${name}_bucket`,
            labels: { le: bound, queue: stats.queue },
            value: cumulative,
          });
        });
        cumulative += stats.bucketCounts[stats.bounds.length];
        values.push({
          metricName: `${name}_bucket`,
          labels: { le: '+Inf', queue: stats.queue },
          value: cumulative,
        });
        values.push({
          metricName: `${name}_sum`,
          labels: { queue: stats.queue },
          value: stats.durationSum,
        });
        values.push({
          metricName: `${name}_count`,
          labels: { queue: stats.queue },
          value: stats.durationCount,
        });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    reset(): void {
      for (const stats of queues.values()) {
        stats.bucketCounts.fill(0);
        stats.durationSum = 0;
        stats.durationCount = 0;
      }
    },
  };
  return metric as unknown as Metric;
}
