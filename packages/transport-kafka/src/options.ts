import { ConfigurationError } from '@switchyard/core';

/** How much of kafkajs's own logging reaches the transport's logger. */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Where a group with no committed offset starts reading a topic it subscribes at start-up. */
export type StartFrom = 'earliest' | 'latest';

/**
 * Options of the Kafka transport. Every option can be given in the URL's query string:
 * `kafka://broker1:9092,broker2:9092?clientId=billing&partitions=6&sessionTimeout=10000`.
 * Defaults are the values of `DEFAULT_KAFKA_OPTIONS`.
 */
export interface KafkaOptions {
  /** `host:port` of the bootstrap brokers; a host without a port gets 9092. */
  readonly brokers: readonly string[];
  /** kafkajs `clientId`, shown in broker logs and quotas (`?clientId=`). Default `switchyard`. */
  readonly clientId: string;
  /** Partitions of every topic the transport creates (`?partitions=`). Default 3. */
  readonly partitions: number;
  /** Replication factor of created topics; -1 takes the broker's default (`?replicationFactor=`). Default -1. */
  readonly replicationFactor: number;
  /** Consumer group session timeout in ms (`?sessionTimeout=`). Default 30 000. */
  readonly sessionTimeoutMs: number;
  /** Heartbeat interval in ms, below a third of the session timeout (`?heartbeatInterval=`). Default 3 000. */
  readonly heartbeatIntervalMs: number;
  /** How long the coordinator waits for members to rejoin a rebalance, in ms (`?rebalanceTimeout=`). Default 60 000. */
  readonly rebalanceTimeoutMs: number;
  /** Longest a fetch waits for data, in ms (`?maxWaitTime=`). Default 500. */
  readonly maxWaitTimeMs: number;
  /** How often wildcard subscriptions look for new matching topics, in ms (`?topicRefresh=`). Default 5 000. */
  readonly topicRefreshMs: number;
  /** Where a new group starts on the topics it subscribes at start-up (`?startFrom=`). Default `earliest`. */
  readonly startFrom: StartFrom;
  /**
   * First word of the topics Switchyard creates for itself: `<prefix>.retry.<queue>`,
   * `<prefix>.dlq.<queue>`, `<prefix>.reply.<instance>` (`?internalPrefix=`). Default `__swy`.
   */
  readonly internalPrefix: string;
  /**
   * Prefix of the transactional ids (`<prefix>-<n>`) of this instance's transactional producers
   * (`?transactionalId=`). Default: `<clientId>-<random instance id>`, unique per instance. Give a
   * stable, per-instance value to have a restarted instance fence its predecessor's transactions.
   */
  readonly transactionalIdPrefix: string | undefined;
  /** Most transactions open at once, one transactional producer each (`?transactionPool=`). Default 4. */
  readonly transactionPoolSize: number;
  /** Broker-side timeout of an open transaction, in ms (`?transactionTimeout=`). Default 60 000. */
  readonly transactionTimeoutMs: number;
  /** Timeout of one request to a broker, in ms (`?requestTimeout=`). Default 30 000. */
  readonly requestTimeoutMs: number;
  /** Timeout of a TCP connect, in ms (`?connectionTimeout=`). Default 3 000. */
  readonly connectionTimeoutMs: number;
  /** Connect over TLS (`?ssl=true`). Default false. */
  readonly ssl: boolean;
  /** SASL credentials, from the URL's user info, with `?sasl=plain|scram-sha-256|scram-sha-512`. */
  readonly sasl: KafkaSasl | undefined;
  /** kafkajs log entries at or above this level go to the logger (`?logLevel=`). Default `error`. */
  readonly logLevel: KafkaLogLevel;
}

/** SASL settings taken from the URL. */
export interface KafkaSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** The defaults, in one place. */
export const DEFAULT_KAFKA_OPTIONS = {
  clientId: 'switchyard',
  partitions: 3,
  replicationFactor: -1,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 500,
  topicRefreshMs: 5_000,
  startFrom: 'earliest',
  internalPrefix: '__swy',
  transactionalIdPrefix: undefined,
  transactionPoolSize: 4,
  transactionTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 3_000,
  ssl: false,
  sasl: undefined,
  logLevel: 'error',
} as const satisfies Omit<KafkaOptions, 'brokers'>;

const DEFAULT_PORT = 9092;
const URL_SHAPE = /^kafkas?:\/\/(?:([^@/?#]*)@)?([^/?#]*)[^?#]*(?:\?([^#]*))?/;
const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
const LOG_LEVELS = ['nothing', 'error', 'warn', 'info', 'debug'] as const;

/**
 * Reads the options from a transport URL. Takes the raw string so that several brokers with
 * their own ports (`kafka://a:9092,b:9093`) can be given; a parsed `URL` (what the transport
 * registry hands over) can only carry them as `kafka://a,b:9092` or `?brokers=a:9092,b:9093`.
 * Fails with `ConfigurationError` on a bad value.
 */
export function parseKafkaUrl(url: string | URL): KafkaOptions {
  const text = typeof url === 'string' ? url : url.href;
  const match = URL_SHAPE.exec(text);
  if (!match) {
    throw new ConfigurationError(
      `"${text}" is not a Kafka URL; expected kafka://host:port[,host:port]`,
    );
  }
  const [, userInfo, authority, rawQuery] = match;
  const query = new URLSearchParams(rawQuery ?? '');
  const brokers = [...splitBrokers(authority ?? ''), ...splitBrokers(query.get('brokers') ?? '')];
  if (brokers.length === 0) {
    throw new ConfigurationError(`"${text}" names no broker; expected kafka://host:port`);
  }
  const defaults = DEFAULT_KAFKA_OPTIONS;
  const heartbeatIntervalMs = integer(query, 'heartbeatInterval', defaults.heartbeatIntervalMs, 1);
  const sessionTimeoutMs = integer(query, 'sessionTimeout', defaults.sessionTimeoutMs, 1);
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new ConfigurationError(
      `?heartbeatInterval=${heartbeatIntervalMs} must be below ?sessionTimeout=${sessionTimeoutMs} (a third of it is usual)`,
    );
  }
  const internalPrefix = query.get('internalPrefix') ?? defaults.internalPrefix;
  if (!/^[A-Za-z0-9_-]+$/.test(internalPrefix)) {
    throw new ConfigurationError(
      `?internalPrefix=${internalPrefix} must be one word of letters, digits, "_" or "-"`,
    );
  }
  return {
    brokers,
    clientId: query.get('clientId') ?? defaults.clientId,
    partitions: integer(query, 'partitions', defaults.partitions, 1),
    replicationFactor: integer(query, 'replicationFactor', defaults.replicationFactor, -1),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: integer(query, 'rebalanceTimeout', defaults.rebalanceTimeoutMs, 1),
    maxWaitTimeMs: integer(query, 'maxWaitTime', defaults.maxWaitTimeMs, 0),
    topicRefreshMs: integer(query, 'topicRefresh', defaults.topicRefreshMs, 10),
    startFrom: oneOf(query, 'startFrom', ['earliest', 'latest'] as const, defaults.startFrom),
    internalPrefix,
    transactionalIdPrefix: query.get('transactionalId') ?? undefined,
    transactionPoolSize: integer(query, 'transactionPool', defaults.transactionPoolSize, 1),
    transactionTimeoutMs: integer(query, 'transactionTimeout', defaults.transactionTimeoutMs, 1),
    requestTimeoutMs: integer(query, 'requestTimeout', defaults.requestTimeoutMs, 1),
    connectionTimeoutMs: integer(query, 'connectionTimeout', defaults.connectionTimeoutMs, 1),
    ssl: query.get('ssl') === 'true' || text.startsWith('kafkas:'),
    sasl: saslFrom(userInfo, query),
    logLevel: oneOf(query, 'logLevel', LOG_LEVELS, defaults.logLevel),
  };
}

function splitBrokers(list: string): string[] {
  const hosts = list
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host.length > 0);
  // `kafka://a,b:9092` (the form a WHATWG URL accepts) gives every host the last port.
  const lastPort = /:(\d+)$/.exec(hosts[hosts.length - 1] ?? '')?.[1];
  return hosts.map((host) =>
    /:\d+$/.test(host) ? host : `${host}:${lastPort ?? String(DEFAULT_PORT)}`,
  );
}

function saslFrom(userInfo: string | undefined, query: URLSearchParams): KafkaSasl | undefined {
  const mechanism = query.get('sasl');
  if (!userInfo && mechanism === null) return undefined;
  const [username = '', password = ''] = (userInfo ?? '').split(':').map(decodeURIComponent);
  const chosen = mechanism ?? 'plain';
  if (!(SASL_MECHANISMS as readonly string[]).includes(chosen)) {
    throw new ConfigurationError(`?sasl=${chosen} must be one of ${SASL_MECHANISMS.join(', ')}`);
  }
  if (!username) {
    throw new ConfigurationError('SASL needs credentials in the URL: kafka://user:password@host');
  }
  return { mechanism: chosen as KafkaSasl['mechanism'], username, password };
}

function integer(query: URLSearchParams, name: string, fallback: number, min: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigurationError(`?${name}=${raw} must be an integer of at least ${min}`);
  }
  return value;
}

function oneOf<T extends string>(
  query: URLSearchParams,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigurationError(`?${name}=${raw} must be one of ${allowed.join(', ')}`);
  }
  return raw as T;
}
