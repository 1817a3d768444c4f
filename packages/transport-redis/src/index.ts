import { registerTransport } from '@switchyard/core';
import { optionsFromUrl } from './options';
import { RedisTransport } from './transport';

export { RedisTransport, REDIS_CAPABILITIES } from './transport';
export { type RedisTransportOptions, optionsFromUrl } from './options';
export { RedisTopology } from './topology';
export { EntryFields } from './headers';
export { REDELIVERY_LIMIT_REASON } from './settler';
export { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from './idempotency-store';
export { RedisCommandError, RedisReplyError, InvalidReplyAddressError } from './errors';

/** `redis://host:6379[/db][?option=value…]` and `rediss://…` (TLS) select this transport. */
registerTransport({
  schemes: ['redis', 'rediss'],
  packageName: '@switchyard/redis',
  create: (url) => new RedisTransport(optionsFromUrl(url)),
});
