import { ConfigurationError, type Logger, TransportLogger } from '@switchyard/core';

/** Static AWS credentials; without them the SDK's default chain is used. */
export interface SqsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Options of the SQS transport. Every default is stated here and nowhere else; `sqs://` URLs set
 * the same fields (see `parseSqsUrl`).
 */
export interface SqsTransportOptions {
  /** AWS region. Default: the SDK's chain (`AWS_REGION`, the shared config file…). */
  readonly region?: string;
  /** SQS endpoint, for emulators and VPC endpoints. Default: the region's AWS endpoint. */
  readonly endpoint?: string;
  /** SNS endpoint. Default: `endpoint`. */
  readonly snsEndpoint?: string;
  /** Static credentials. Default: the SDK's chain (environment, profile, instance role…). */
  readonly credentials?: SqsCredentials;
  /** Prepended to the name of every queue this transport creates. Default `''`. */
  readonly queuePrefix?: string;
  /** Name or ARN of the SNS topic every publish goes to. Default `switchyard-events`. */
  readonly topic?: string;
  /**
   * Name or ARN of the FIFO SNS topic that feeds ordered (`.fifo`) queues; every publish also goes
   * there. `false` turns it off (ordered consumers then fail at start-up). Default `<topic>.fifo`.
   */
  readonly fifoTopic?: string | false;
  /** Long-poll wait of `ReceiveMessage`, 0–20 s. Default 20. */
  readonly waitTimeSeconds?: number;
  /** How long a received message stays invisible; kept alive while its handler runs. Default 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** The redrive policy's `maxReceiveCount` is a handler's attempts plus this. Default 3. */
  readonly redriveMargin?: number;
  /** How long a publish waits for others to share its batch request. Default 0 (same tick only). */
  readonly publishLingerMs?: number;
  /** How long an ack waits for others to share its `DeleteMessageBatch`. Default 5. */
  readonly ackLingerMs?: number;
  /** Most HTTP connections per client (long polls hold one each). Default 256. */
  readonly maxSockets?: number;
  /** Set a queue policy letting the SNS topic send to each subscribed queue. Default true. */
  readonly setQueuePolicy?: boolean;
  /** Where failures of background work (polling, heartbeats) are reported. Default `ConsoleLogger`. */
  readonly logger?: Logger;
}

/** Options with every default applied. */
export interface ResolvedSqsOptions {
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly snsEndpoint: string | undefined;
  readonly credentials: SqsCredentials | undefined;
  readonly queuePrefix: string;
  readonly topic: string;
  readonly fifoTopic: string | false;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly redriveMargin: number;
  readonly publishLingerMs: number;
  readonly ackLingerMs: number;
  readonly maxSockets: number;
  readonly setQueuePolicy: boolean;
  /** The options' logger, or the app's once the app hands it over, or a `ConsoleLogger`. */
  readonly logger: TransportLogger;
}

/** The default SNS topic name. */
export const DEFAULT_TOPIC = 'switchyard-events';

/** Applies defaults and checks ranges; a mistake fails here, at start-up. */
export function resolveOptions(options: SqsTransportOptions = {}): ResolvedSqsOptions {
  const topic = options.topic ?? DEFAULT_TOPIC;
  const resolved: ResolvedSqsOptions = {
    region: options.region || undefined,
    endpoint: options.endpoint || undefined,
    snsEndpoint: options.snsEndpoint || options.endpoint || undefined,
    credentials: options.credentials,
    queuePrefix: options.queuePrefix ?? '',
    topic,
    fifoTopic: options.fifoTopic ?? `${topic}.fifo`,
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    redriveMargin: options.redriveMargin ?? 3,
    publishLingerMs: options.publishLingerMs ?? 0,
    ackLingerMs: options.ackLingerMs ?? 5,
    maxSockets: options.maxSockets ?? 256,
    setQueuePolicy: options.setQueuePolicy ?? true,
    logger: new TransportLogger(options.logger),
  };
  checkRange('waitTimeSeconds', resolved.waitTimeSeconds, 0, 20);
  checkRange('visibilityTimeoutSeconds', resolved.visibilityTimeoutSeconds, 1, 43_200);
  checkRange('redriveMargin', resolved.redriveMargin, 0, 100);
  checkRange('publishLingerMs', resolved.publishLingerMs, 0, 10_000);
  checkRange('ackLingerMs', resolved.ackLingerMs, 0, 10_000);
  checkRange('maxSockets', resolved.maxSockets, 1, 100_000);
  if (!/^[A-Za-z0-9_-]*$/.test(resolved.queuePrefix)) {
    throw new ConfigurationError(
      `SQS queuePrefix "${resolved.queuePrefix}" may only hold letters, digits, "-" and "_"`,
    );
  }
  if (resolved.fifoTopic !== false && !resolved.fifoTopic.endsWith('.fifo')) {
    throw new ConfigurationError(
      `SQS fifoTopic "${resolved.fifoTopic}" must end with ".fifo", as SNS requires of FIFO topics`,
    );
  }
  return resolved;
}

/** Throws a `ConfigurationError` unless `value` is an integer in `[min, max]`. */
export function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(
      `SQS option ${name} must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
}
