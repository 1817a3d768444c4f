import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, Subscribe } from '@switchyard/core';
import { ActivityLog } from '../activity-log';
import { TicketOpened } from '../messages';

/** How long answering a ticket takes: tickets opened meanwhile wait in the queue. */
const ANSWER_MS = 25;

/**
 * Priority: one agent answers one ticket at a time (`concurrency: 1`, nothing fetched ahead), so
 * tickets opened while it is busy form a backlog, which the broker serves most urgent first where
 * it supports priorities.
 */
@Consumer({ group: 'support', maxPriority: 9, concurrency: 1, prefetch: 1 })
export class SupportConsumer {
  constructor(private readonly log: ActivityLog) {}

  @Subscribe('tickets.opened', { schema: TicketOpened })
  async answer(ticket: TicketOpened): Promise<void> {
    await sleep(ANSWER_MS);
    this.log.note('support', `answered ${ticket.ticketId} (priority ${ticket.priority})`);
  }
}
