import { Consumer, type MessageContext, Subscribe } from '@switchyard/core';
import { ActivityLog } from '../activity-log';
import { ReserveStock } from '../messages';

/**
 * Point-to-point with competing consumers: `warehouse.reserve` is a command; every running
 * instance of this service shares the one queue, and each command is handled by exactly one.
 */
@Consumer({ group: 'warehouse', concurrency: 2 })
export class WarehouseConsumer {
  constructor(private readonly log: ActivityLog) {}

  @Subscribe('warehouse.reserve', { schema: ReserveStock })
  async reserve(command: ReserveStock, ctx: MessageContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.log.note(
      'warehouse',
      `reserved ${command.quantity} for ${command.orderId} (attempt ${ctx.attempt})`,
    );
  }
}
