import type { Message } from '@aws-sdk/client-sqs';
import { type DeadLetter, DeadLetterHeaders } from '@switchyard/core';
import { present } from './aws-errors';
import { toReceived } from './inbound';
import type { QueueClient } from './queue-client';

/** How long peeked dead letters stay hidden if the peek is cut short before it releases them. */
const PEEK_VISIBILITY_SECONDS = 10;

/**
 * The reason given to a dead letter that SQS's redrive policy moved (a message received
 * `maxReceiveCount` times without being settled: crashes, or a poison message that kills the
 * process), since no handler wrote one. Such letters also get the queue, the original topic and,
 * when its consumer declared it, the handler.
 */
export const REDRIVE_REASON = 'SWY_SQS_REDRIVE';

/**
 * Reads up to `limit` dead letters without removing them: SQS has no peek, so this receives them
 * with a short visibility timeout and at once makes them visible again. Each peek adds one to the
 * letters' receive count (the dead-letter queue has no redrive policy, so nothing moves). On a
 * FIFO dead-letter queue a receive returns one message per group, so a peek may return fewer.
 */
export async function peekDeadLetters(
  queue: QueueClient,
  queueName: string,
  limit: number,
  handler: string | undefined,
): Promise<DeadLetter[]> {
  const peeked = new Map<string, Message>();
  const handles: string[] = [];
  try {
    while (peeked.size < limit) {
      const batch = await queue.receive({
        maxMessages: Math.min(10, limit - peeked.size),
        waitTimeSeconds: 0,
        visibilityTimeoutSeconds: PEEK_VISIBILITY_SECONDS,
      });
      let fresh = 0;
      for (const message of batch) {
        const id = present(message.MessageId, 'MessageId');
        handles.push(present(message.ReceiptHandle, 'ReceiptHandle'));
        if (peeked.has(id)) continue;
        peeked.set(id, message);
        fresh++;
      }
      if (fresh === 0) break;
    }
  } finally {
    await Promise.all(handles.map((handle) => queue.changeVisibility(handle, 0).catch(() => {})));
  }
  return [...peeked.values()].sort(bySendOrder).map((raw) => toDeadLetter(raw, queueName, handler));
}

function toDeadLetter(raw: Message, queueName: string, handler: string | undefined): DeadLetter {
  const { message } = toReceived(raw, queueName, '', undefined);
  const headers = { ...message.headers };
  if (headers[DeadLetterHeaders.reason] === undefined) {
    headers[DeadLetterHeaders.reason] = REDRIVE_REASON;
    headers[DeadLetterHeaders.queue] ??= queueName;
    headers[DeadLetterHeaders.originalTopic] ??= message.topic;
    if (handler !== undefined) headers[DeadLetterHeaders.handler] ??= handler;
  }
  return { id: message.id, topic: message.topic, key: message.key, headers, body: message.body };
}

function bySendOrder(a: Message, b: Message): number {
  const sent = (message: Message) => Number(message.Attributes?.SentTimestamp ?? 0);
  const sequence = (message: Message) => message.Attributes?.SequenceNumber ?? '';
  return sent(a) - sent(b) || sequence(a).localeCompare(sequence(b));
}
