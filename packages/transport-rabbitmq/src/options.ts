import { ConfigurationError } from '@switchyard/core';

/**
 * Options of the RabbitMQ transport. Every option can be given in the URL's query string
 * (`amqp://user:pass@host:5672/vhost?exchange=shop.events&publishWaitMs=5000`); the rest of the
 * query (`heartbeat`, `frameMax`, `channelMax`, `locale`) goes to amqplib untouched.
 */
export interface RabbitMqOptions {
  /** The connection URL handed to amqplib, without Switchyard's own query parameters. */
  readonly url: string;
  /**
   * The topic exchange every event is published to. Delay and retry objects are named after it
   * (`<exchange>.delay`, `<exchange>.retry.<ms>`…). Default `switchyard.events`.
   */
  readonly exchange: string;
  /**
   * How long a publish waits for a lost connection to come back before failing with
   * `TransportUnavailableError`. Default 15 000.
   */
  readonly publishWaitMs: number;
  /** First pause before reconnecting after the connection is lost; doubles up to `reconnectMaxMs`. Default 100. */
  readonly reconnectInitialMs: number;
  /** Longest pause between two reconnection attempts. Default 5 000. */
  readonly reconnectMaxMs: number;
  /**
   * `connection_name` shown by `rabbitmqctl list_connections` and the management UI.
   * Default `switchyard <pid>`.
   */
  readonly connectionName: string;
  /**
   * Base URL of the RabbitMQ management HTTP API (`?management=http://guest:guest@127.0.0.1:15672`),
   * used only to list the queues that have dead letters (AMQP cannot list queues). Credentials
   * left out of it are the AMQP URL's. Default: none, and `listDeadLetterQueues()` answers
   * `undefined`.
   */
  readonly managementUrl: string | undefined;
}

/** The defaults, in one place. */
export const DEFAULT_OPTIONS = {
  exchange: 'switchyard.events',
  publishWaitMs: 15_000,
  reconnectInitialMs: 100,
  reconnectMaxMs: 5_000,
} as const;

const OWN_PARAMETERS = [
  'exchange',
  'publishWaitMs',
  'reconnectInitialMs',
  'reconnectMaxMs',
  'connectionName',
  'management',
] as const;

/** Reads the options from a transport URL, failing with `ConfigurationError` on a bad value. */
export function parseOptions(url: URL): RabbitMqOptions {
  const query = url.searchParams;
  const amqpUrl = new URL(url.href);
  for (const name of OWN_PARAMETERS) amqpUrl.searchParams.delete(name);
  // amqplib reads the default heartbeat as "none"; a dead peer would then go unnoticed.
  if (!amqpUrl.searchParams.has('heartbeat')) amqpUrl.searchParams.set('heartbeat', '10');
  const exchange = query.get('exchange') ?? DEFAULT_OPTIONS.exchange;
  if (exchange === '' || exchange.startsWith('amq.')) {
    throw new ConfigurationError(
      `exchange "${exchange}" is reserved by RabbitMQ; choose another name in ?exchange=`,
    );
  }
  return {
    url: amqpUrl.href,
    exchange,
    publishWaitMs: numberParameter(query, 'publishWaitMs', DEFAULT_OPTIONS.publishWaitMs),
    reconnectInitialMs: numberParameter(
      query,
      'reconnectInitialMs',
      DEFAULT_OPTIONS.reconnectInitialMs,
    ),
    reconnectMaxMs: numberParameter(query, 'reconnectMaxMs', DEFAULT_OPTIONS.reconnectMaxMs),
    connectionName: query.get('connectionName') ?? `switchyard ${process.pid}`,
    managementUrl: managementParameter(query.get('management')),
  };
}

function managementParameter(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new ConfigurationError(
      '?management= must be the http(s) URL of the RabbitMQ management API, e.g. http://guest:guest@127.0.0.1:15672',
    );
  }
  return url.href;
}

function numberParameter(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`?${name}=${raw} must be a non-negative number of milliseconds`);
  }
  return value;
}
