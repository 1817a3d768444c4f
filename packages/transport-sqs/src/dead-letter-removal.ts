import { present } from './aws-errors';
import { toReceived } from './inbound';
import type { QueueClient } from './queue-client';

/** How long letters stay hidden while a removal scans past them, should it be cut short. */
const SCAN_VISIBILITY_SECONDS = 10;

/**
 * Removes the dead letters whose Switchyard message id is in `ids` (every copy), and makes the
 * others visible again. SQS cannot delete by id, so this receives through the whole queue. On a
 * FIFO dead-letter queue a receive returns one letter per message group, so only the first
 * letter of each group (key) is reached.
 */
export async function deleteDeadLetters(
  queue: QueueClient,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const wanted = new Set(ids);
  const seen = new Set<string>();
  const kept: string[] = [];
  let removed = 0;
  try {
    for (;;) {
      const batch = await queue.receive({
        maxMessages: 10,
        waitTimeSeconds: 0,
        visibilityTimeoutSeconds: SCAN_VISIBILITY_SECONDS,
      });
      const deletions: Promise<void>[] = [];
      let fresh = 0;
      for (const raw of batch) {
        const sqsMessageId = present(raw.MessageId, 'MessageId');
        if (seen.has(sqsMessageId)) continue;
        seen.add(sqsMessageId);
        fresh++;
        const { message, receiptHandle } = toReceived(raw, '', '', undefined);
        if (!wanted.has(message.id)) {
          kept.push(receiptHandle);
          continue;
        }
        deletions.push(
          queue.delete(receiptHandle).then(() => {
            removed++;
          }),
        );
      }
      await Promise.all(deletions);
      if (fresh === 0) break;
    }
  } finally {
    await Promise.all(kept.map((handle) => queue.changeVisibility(handle, 0).catch(() => {})));
  }
  return removed;
}

/**
 * Removes every dead letter that is not hidden at this moment (by a peek or a removal in progress);
 * resolves to how many. Receives and deletes in batches rather than `PurgeQueue`, which reports no
 * count, may take a minute and may run once a minute only.
 */
export async function purgeDeadLetters(queue: QueueClient): Promise<number> {
  let removed = 0;
  for (;;) {
    const batch = await queue.receive({
      maxMessages: 10,
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: SCAN_VISIBILITY_SECONDS,
    });
    if (batch.length === 0) return removed;
    await Promise.all(
      batch.map((raw) => queue.delete(present(raw.ReceiptHandle, 'ReceiptHandle'))),
    );
    removed += batch.length;
  }
}
