import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, createTransport } from '@switchyard/core';
import { DEFAULT_KAFKA_OPTIONS, parseKafkaUrl } from './options';
import { KafkaTransport } from './transport';
import './index';

describe('parseKafkaUrl', () => {
  it('reads several brokers, each with its own port, from the raw URL', () => {
    expect(parseKafkaUrl('kafka://a:9092,b:9093').brokers).toEqual(['a:9092', 'b:9093']);
  });

  it('gives hosts without a port the shared port of the WHATWG form, or 9092', () => {
    expect(parseKafkaUrl(new URL('kafka://a,b:19092')).brokers).toEqual(['a:19092', 'b:19092']);
    expect(parseKafkaUrl('kafka://a').brokers).toEqual(['a:9092']);
  });

  it('adds the brokers of ?brokers= to the host', () => {
    expect(parseKafkaUrl('kafka://a:1?brokers=b:2,c:3').brokers).toEqual(['a:1', 'b:2', 'c:3']);
  });

  it('uses the documented defaults when the query is empty', () => {
    const { brokers, ...options } = parseKafkaUrl('kafka://localhost:9092');
    expect(brokers).toEqual(['localhost:9092']);
    expect(options).toEqual(DEFAULT_KAFKA_OPTIONS);
  });

  it('reads every option from the query string', () => {
    const options = parseKafkaUrl(
      'kafka://h:1?clientId=billing&partitions=6&replicationFactor=3&sessionTimeout=10000&heartbeatInterval=1000' +
        '&rebalanceTimeout=20000&maxWaitTime=250&topicRefresh=1000&startFrom=latest&internalPrefix=_sy' +
        '&transactionalId=billing-1&transactionPool=2&transactionTimeout=30000&requestTimeout=5000' +
        '&connectionTimeout=2000&ssl=true&logLevel=warn',
    );
    expect(options).toMatchObject({
      clientId: 'billing',
      partitions: 6,
      replicationFactor: 3,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 20_000,
      maxWaitTimeMs: 250,
      topicRefreshMs: 1_000,
      startFrom: 'latest',
      internalPrefix: '_sy',
      transactionalIdPrefix: 'billing-1',
      transactionPoolSize: 2,
      transactionTimeoutMs: 30_000,
      requestTimeoutMs: 5_000,
      connectionTimeoutMs: 2_000,
      ssl: true,
      logLevel: 'warn',
    });
  });

  it('takes SASL credentials from the user info, PLAIN unless ?sasl= says otherwise', () => {
    expect(parseKafkaUrl('kafka://alice:s%3Acret@h:1').sasl).toEqual({
      mechanism: 'plain',
      username: 'alice',
      password: 's:cret',
    });
    expect(parseKafkaUrl('kafka://bob:pw@h:1?sasl=scram-sha-512').sasl?.mechanism).toBe(
      'scram-sha-512',
    );
  });

  it.each([
    ['kafka://h:1?partitions=0', /partitions/],
    ['kafka://h:1?sessionTimeout=1000&heartbeatInterval=1000', /heartbeatInterval/],
    ['kafka://h:1?startFrom=middle', /startFrom/],
    ['kafka://h:1?internalPrefix=a.b', /internalPrefix/],
    ['kafka://h:1?sasl=kerberos', /sasl/],
    ['kafka://', /no broker/],
  ])('refuses %s with a ConfigurationError naming the problem', (url, message) => {
    expect(() => parseKafkaUrl(url)).toThrow(ConfigurationError);
    expect(() => parseKafkaUrl(url)).toThrow(message);
  });
});

describe('the kafka:// scheme', () => {
  it('creates a KafkaTransport through the transport registry', () => {
    const transport = createTransport('kafka://broker-1,broker-2:9092?clientId=orders');
    expect(transport).toBeInstanceOf(KafkaTransport);
    expect((transport as KafkaTransport).options.brokers).toEqual([
      'broker-1:9092',
      'broker-2:9092',
    ]);
  });

  it('takes a broker list with a port per broker, which is no WHATWG URL', () => {
    const transport = createTransport('kafka://broker-1:9092,broker-2:9093') as KafkaTransport;
    expect(transport.options.brokers).toEqual(['broker-1:9092', 'broker-2:9093']);
  });
});
