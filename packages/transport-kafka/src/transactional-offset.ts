import { TransportUnavailableError } from '@switchyard/core';
import type { Transaction } from 'kafkajs';
import type { Delivery } from './delivery';
import type { Dispatcher } from './dispatcher';
import type { OffsetCommitter } from './offset-committer';

/**
 * Commits `delivery`'s offset inside `transaction`, then the transaction (exactly-once). It
 * first waits until every earlier record of the partition is settled — lending its handler slot
 * meanwhile, so those records can run — because a committed offset must skip nothing. Ordinary
 * commits of the partition are held back until the transaction ends, so none lands after it
 * with a lower offset. Afterwards the delivery counts as acknowledged: its `ack` settlement
 * needs no commit of its own.
 */
export async function commitInTransaction(
  delivery: Delivery,
  transaction: Transaction,
  groupId: string,
  dispatcher: Dispatcher,
  committer: OffsetCommitter,
): Promise<void> {
  const { tracker } = delivery;
  if (tracker.watermark() < delivery.offset) {
    dispatcher.lend();
    try {
      await tracker.whenAckedBefore(delivery.offset);
    } finally {
      dispatcher.reclaim();
    }
  }
  if (tracker.revoked) {
    throw new TransportUnavailableError(
      `Partition ${tracker.topic}[${tracker.partition}] was reassigned to another member of "${groupId}" before the transaction committed; it will be delivered there`,
    );
  }
  committer.hold(tracker);
  let committed: number | undefined;
  try {
    await committer.settled();
    const offset = tracker.watermarkIfAcked(delivery);
    await transaction.sendOffsets({
      consumerGroupId: groupId,
      topics: [
        {
          topic: tracker.topic,
          partitions: [{ partition: tracker.partition, offset: String(offset) }],
        },
      ],
    });
    await transaction.commit();
    delivery.committedInTransaction = true;
    tracker.ack(delivery);
    committed = offset;
  } finally {
    committer.release(tracker, committed);
  }
}
