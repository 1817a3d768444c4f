import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ResolvedSqsOptions } from './options';

/** Giving up on a connection that does not open. */
const CONNECTION_TIMEOUT_MS = 5_000;
/**
 * Giving up on a request that does not answer, so a connection that died silently cannot stall a
 * consumer forever: longer than the longest long poll (20 s), with room for a slow answer.
 */
const REQUEST_TIMEOUT_MS = 35_000;

/** The two AWS clients a transport uses. */
export interface AwsClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
}

/**
 * Builds the SQS and SNS clients: region, endpoint and credentials from the options (else the
 * SDK's chain), keep-alive connections, room for one long poll per receiver, and timeouts.
 */
export function createClients(options: ResolvedSqsOptions): AwsClients {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  const requestHandler = {
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
  };
  const common = {
    requestHandler,
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  return {
    sqs: new SQSClient({ ...common, ...(options.endpoint ? { endpoint: options.endpoint } : {}) }),
    sns: new SNSClient({
      ...common,
      ...(options.snsEndpoint ? { endpoint: options.snsEndpoint } : {}),
    }),
  };
}
