import { ConfigurationError } from '@switchyard/core';
import { DEFAULT_OPTIONS, parseOptions } from './options';

describe('RabbitMQ options', () => {
  it('takes its own parameters from the query and leaves the rest to amqplib', () => {
    const options = parseOptions(
      new URL('amqp://u:p@broker:5673/vh?exchange=shop.events&publishWaitMs=500&frameMax=8192'),
    );
    expect(options.exchange).toBe('shop.events');
    expect(options.publishWaitMs).toBe(500);
    const url = new URL(options.url);
    expect(url.searchParams.get('exchange')).toBeNull();
    expect(url.searchParams.get('publishWaitMs')).toBeNull();
    expect(url.searchParams.get('frameMax')).toBe('8192');
    expect(url.pathname).toBe('/vh');
  });

  it('defaults to the switchyard.events exchange and a 10 s heartbeat', () => {
    const options = parseOptions(new URL('amqp://localhost'));
    expect(options.exchange).toBe(DEFAULT_OPTIONS.exchange);
    expect(options.publishWaitMs).toBe(DEFAULT_OPTIONS.publishWaitMs);
    expect(new URL(options.url).searchParams.get('heartbeat')).toBe('10');
  });

  it('refuses a reserved exchange name or a bad number at start-up', () => {
    expect(() => parseOptions(new URL('amqp://localhost?exchange=amq.topic'))).toThrow(
      ConfigurationError,
    );
    expect(() => parseOptions(new URL('amqp://localhost?publishWaitMs=soon'))).toThrow(
      ConfigurationError,
    );
  });

  it('takes the management API URL from ?management= and keeps it from amqplib', () => {
    const options = parseOptions(
      new URL('amqp://u:p@broker/vh?management=http://admin:secret@broker:15672/rabbit/'),
    );
    expect(options.managementUrl).toBe('http://admin:secret@broker:15672/rabbit/');
    expect(new URL(options.url).searchParams.get('management')).toBeNull();
    expect(parseOptions(new URL('amqp://localhost')).managementUrl).toBeUndefined();
    expect(() => parseOptions(new URL('amqp://localhost?management=broker:15672'))).toThrow(
      ConfigurationError,
    );
  });
});
