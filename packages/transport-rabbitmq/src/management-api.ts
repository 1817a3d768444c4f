import { errorMessage } from '@switchyard/core';
import { ManagementApiError } from './errors';
import { deadLetterQueueName } from './topology';

/** One queue as the management API lists it: the two columns the transport asks for. */
export interface ManagedQueue {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** How long a call to the management API may take before it fails. */
export const MANAGEMENT_TIMEOUT_MS = 10_000;

/**
 * Every queue of the AMQP URL's virtual host, from the management API's `GET /api/queues/<vhost>`
 * (names and arguments only, without statistics). Credentials missing from `managementUrl` are
 * the AMQP URL's, as amqplib reads them (`guest`/`guest` when absent). Fails with
 * `ManagementApiError`, saying why.
 */
export async function listVhostQueues(
  managementUrl: string,
  amqpUrl: string,
): Promise<ManagedQueue[]> {
  const amqp = new URL(amqpUrl);
  const vhost = decodeURIComponent(amqp.pathname.slice(1)) || '/';
  const base = new URL(managementUrl);
  const credentials = base.username ? base : amqp;
  const user = decodeURIComponent(credentials.username) || 'guest';
  const password = decodeURIComponent(credentials.password) || 'guest';
  // fetch refuses URLs that carry credentials; they travel in the Authorization header instead.
  base.username = '';
  base.password = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const endpoint = new URL(`api/queues/${encodeURIComponent(vhost)}`, base);
  endpoint.searchParams.set('columns', 'name,arguments');
  endpoint.searchParams.set('disable_stats', 'true');
  const where = `the RabbitMQ management API at ${base.href}`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(MANAGEMENT_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ManagementApiError(
      `Cannot reach ${where} (${errorMessage(error)}); enable it with "rabbitmq-plugins enable rabbitmq_management" or correct ?management=`,
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new ManagementApiError(
      `${where} answered ${response.status} ${response.statusText} to GET ${endpoint.pathname}; check the credentials (the user needs the "monitoring" or "management" tag and access to vhost "${vhost}")`,
    );
  }
  return parseQueues(await response.json(), where);
}

function parseQueues(body: unknown, where: string): ManagedQueue[] {
  if (!Array.isArray(body)) {
    throw new ManagementApiError(`${where} did not answer with a list of queues`);
  }
  return body.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { name, arguments: args } = entry as { name?: unknown; arguments?: unknown };
    if (typeof name !== 'string') return [];
    const table = typeof args === 'object' && args !== null ? args : {};
    return [{ name, arguments: table as Record<string, unknown> }];
  });
}

/** Of a vhost's queues, those that dead-letter to a `<queue>.dlq` that exists. */
export function queuesWithDeadLetters(queues: readonly ManagedQueue[]): string[] {
  const names = new Set(queues.map((queue) => queue.name));
  return queues
    .filter((queue) => {
      const dlq = deadLetterQueueName(queue.name);
      return queue.arguments['x-dead-letter-routing-key'] === dlq && names.has(dlq);
    })
    .map((queue) => queue.name)
    .sort();
}
