import { ConfigurationError } from '@switchyard/core';
import type { SqsTransportOptions } from './options';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

const NUMBER_PARAMS = {
  waitTimeSeconds: 'waitTimeSeconds',
  visibilityTimeout: 'visibilityTimeoutSeconds',
  redriveMargin: 'redriveMargin',
  publishLingerMs: 'publishLingerMs',
  ackLingerMs: 'ackLingerMs',
  maxSockets: 'maxSockets',
} as const;

const STRING_PARAMS = {
  endpoint: 'endpoint',
  snsEndpoint: 'snsEndpoint',
  prefix: 'queuePrefix',
  topic: 'topic',
} as const;

/**
 * Reads `sqs://[accessKeyId:secretAccessKey@][region][?param=value…]`. The host is the region
 * (absent: the SDK's chain). Parameters: `endpoint`, `snsEndpoint`, `sessionToken`, `prefix`,
 * `topic`, `fifoTopic` (`none` turns it off), `waitTimeSeconds`, `visibilityTimeout`,
 * `redriveMargin`, `publishLingerMs`, `ackLingerMs`, `maxSockets`, `queuePolicy` (`true`/`false`).
 * An unknown parameter is a `ConfigurationError`, so a typo does not go unnoticed.
 *
 * @example `sqs://us-east-1?endpoint=http://127.0.0.1:4566&prefix=dev-`
 */
export function parseSqsUrl(given: string | URL): SqsTransportOptions {
  const url = typeof given === 'string' ? parsedUrl(given) : given;
  const options: Writable<SqsTransportOptions> = {};
  if (url.hostname) options.region = url.hostname;
  const sessionToken = url.searchParams.get('sessionToken');
  if (url.username) {
    options.credentials = {
      accessKeyId: decodeURIComponent(url.username),
      secretAccessKey: decodeURIComponent(url.password),
      ...(sessionToken === null ? {} : { sessionToken }),
    };
  }
  for (const [name, value] of url.searchParams) {
    if (name in STRING_PARAMS) {
      options[STRING_PARAMS[name as keyof typeof STRING_PARAMS]] = value;
    } else if (name in NUMBER_PARAMS) {
      options[NUMBER_PARAMS[name as keyof typeof NUMBER_PARAMS]] = Number(value);
    } else if (name === 'fifoTopic') {
      options.fifoTopic = value === 'none' ? false : value;
    } else if (name === 'queuePolicy') {
      options.setQueuePolicy = parseBoolean(name, value);
    } else if (name !== 'sessionToken') {
      throw new ConfigurationError(
        `Unknown sqs:// parameter "${name}"; known: ${[...Object.keys(STRING_PARAMS), ...Object.keys(NUMBER_PARAMS), 'fifoTopic', 'queuePolicy', 'sessionToken'].join(', ')}`,
      );
    }
  }
  return options;
}

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigurationError(
    `sqs:// parameter ${name} must be "true" or "false", got "${value}"`,
  );
}

function parsedUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ConfigurationError(
      `"${text}" is not a valid sqs:// URL; expected e.g. sqs://us-east-1?endpoint=http://127.0.0.1:4566`,
    );
  }
}
