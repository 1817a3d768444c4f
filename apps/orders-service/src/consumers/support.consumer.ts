import { Consumer, Subscribe } from '@switchyard/core';
import { ActivityLog } from '../activity-log';
import { TicketOpened } from '../messages';

/** Priority: a backlog of tickets is served most urgent first where the broker supports it. */
@Consumer({ group: 'support', maxPriority: 9, concurrency: 1, prefetch: 1 })
export class SupportConsumer {
  constructor(private readonly log: ActivityLog) {}

  @Subscribe('tickets.opened', { schema: TicketOpened })
  answer(ticket: TicketOpened): void {
    this.log.note('support', `answered ${ticket.ticketId} (priority ${ticket.priority})`);
  }
}
