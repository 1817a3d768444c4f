import { connect } from 'amqplib';
import { DELAY_BUCKETS } from './delay-buckets';
import { parseOptions } from './options';
import { type DelayKind, deadLetterQueueName, delayExchangeName, delayQueueName } from './topology';

/** What `deleteTopology` removes. */
export interface TopologyToDelete {
  /** Subscription queues; each one's `<queue>.dlq` goes with it. */
  readonly queues?: readonly string[];
  /**
   * Also delete the transport URL's events exchange, its two delay exchanges and every delay and
   * retry bucket queue — whatever messages are waiting in them are lost.
   */
  readonly exchanges?: boolean;
}

/**
 * Deletes what the transport declared (queues with their messages, and optionally the exchanges),
 * for tests and for decommissioning a service. Deleting what does not exist is not an error.
 */
export async function deleteTopology(url: string | URL, what: TopologyToDelete): Promise<void> {
  const options = parseOptions(typeof url === 'string' ? new URL(url) : url);
  const model = await connect(options.url, {
    clientProperties: { connection_name: `${options.connectionName} admin` },
  });
  model.on('error', () => undefined);
  try {
    const channel = await model.createChannel();
    for (const queue of what.queues ?? []) {
      await channel.deleteQueue(queue);
      await channel.deleteQueue(deadLetterQueueName(queue));
    }
    if (what.exchanges) {
      for (const kind of ['delay', 'retry'] as DelayKind[]) {
        for (const bucket of DELAY_BUCKETS) {
          await channel.deleteQueue(delayQueueName(options.exchange, kind, bucket));
        }
        await channel.deleteExchange(delayExchangeName(options.exchange, kind));
      }
      await channel.deleteExchange(options.exchange);
    }
  } finally {
    await model.close().catch(() => undefined);
  }
}
