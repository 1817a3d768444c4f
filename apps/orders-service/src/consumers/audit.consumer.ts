import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { ActivityLog } from '../activity-log';

/**
 * Topic routing: `orders.*` sees every order event (one word after `orders`), `*.created` every
 * creation whatever the entity, `orders.#` everything under `orders`. Analytics is at-most-once: acknowledged before it runs, since a
 * lost sample costs less than a slow queue.
 */
@Consumer({ group: 'audit' })
export class AuditConsumer {
  constructor(private readonly log: ActivityLog) {}

  @Subscribe('orders.*')
  orderEvent(_event: unknown, ctx: MessageContext): void {
    this.log.note('audit', `${ctx.topic} (message ${ctx.message.id.slice(0, 8)})`);
  }

  @Subscribe('*.created')
  anythingCreated(_event: unknown, ctx: MessageContext): void {
    this.log.note('created', `${ctx.topic}`);
  }

  @Subscribe('orders.#', { guarantee: 'at-most-once' })
  analytics(): void {
    this.log.tally('analytics');
  }
}
