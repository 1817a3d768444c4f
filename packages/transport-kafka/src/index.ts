import { registerTransport } from '@switchyard/core';
import { KafkaTransport } from './transport';

export { KafkaTransport, KAFKA_CAPABILITIES, type KafkaTransportSettings } from './transport';
export {
  DEFAULT_KAFKA_OPTIONS,
  type KafkaLogLevel,
  type KafkaOptions,
  type KafkaSasl,
  type StartFrom,
  parseKafkaUrl,
} from './options';
export { KafkaHeaders } from './headers';
export { KafkaPublishError, KafkaTopicNameError, KafkaTransactionError } from './errors';

/** `kafka://host:port[,host:port]?…` (and `kafkas://` for TLS) create a `KafkaTransport`. */
registerTransport({
  schemes: ['kafka', 'kafkas'],
  packageName: '@switchyard/kafka',
  create: (url) => new KafkaTransport(url),
});
