import { MemoryIdempotencyStore, defineService } from '@switchyard/core';
import { AuditConsumer } from './consumers/audit.consumer';
import { BillingConsumer } from './consumers/billing.consumer';
import { FraudConsumer } from './consumers/fraud.consumer';
import { PaymentsConsumer } from './consumers/payments.consumer';
import { ShippingConsumer } from './consumers/shipping.consumer';
import { SupportConsumer } from './consumers/support.consumer';
import { WarehouseConsumer } from './consumers/warehouse.consumer';

/** Consumers that run on every transport. */
export const consumers = [
  BillingConsumer,
  ShippingConsumer,
  AuditConsumer,
  FraudConsumer,
  WarehouseConsumer,
  SupportConsumer,
];

/** Consumers that need broker transactions (exactly-once). */
export const transactionalConsumers = [PaymentsConsumer];

/**
 * The orders service, as `switchyard start apps/orders-service/dist/service.js` runs it. The
 * in-memory idempotency store suits one process; use `RedisIdempotencyStore` across workers.
 */
export default defineService({
  consumers,
  idempotencyStore: new MemoryIdempotencyStore(),
});
