import {
  ConfigurationError,
  type SubscriptionSpec,
  Switchyard,
  createTransport,
  silentLogger,
} from '@switchyard/core';
import { SqsTransport } from './index';
import { resolveOptions } from './options';
import { subscriptionSettings } from './subscription-settings';
import { parseSqsUrl } from './url';
import { subscriptionSpec } from '@switchyard/testing';

const spec = (overrides: Partial<SubscriptionSpec> = {}): SubscriptionSpec =>
  subscriptionSpec('billing.onOrder', ['orders.created'], { concurrency: 4, ...overrides });

describe('parseSqsUrl', () => {
  it('reads the region from the host and the endpoint and options from the query', () => {
    const options = parseSqsUrl(
      new URL(
        'sqs://eu-west-1?endpoint=http://127.0.0.1:4566&prefix=dev-&topic=events&fifoTopic=none&waitTimeSeconds=5&visibilityTimeout=60&redriveMargin=1&queuePolicy=false',
      ),
    );
    expect(options).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      queuePrefix: 'dev-',
      topic: 'events',
      fifoTopic: false,
      waitTimeSeconds: 5,
      visibilityTimeoutSeconds: 60,
      redriveMargin: 1,
      setQueuePolicy: false,
    });
  });

  it('takes credentials from the user part, decoded, with an optional session token', () => {
    const options = parseSqsUrl(new URL('sqs://AKID:se%2Fcret@us-east-1?sessionToken=tok'));
    expect(options.credentials).toEqual({
      accessKeyId: 'AKID',
      secretAccessKey: 'se/cret',
      sessionToken: 'tok',
    });
  });

  it('leaves region and credentials to the SDK chain when the URL names none', () => {
    expect(parseSqsUrl(new URL('sqs://'))).toEqual({});
  });

  it('refuses an unknown parameter, naming the known ones', () => {
    expect(() => parseSqsUrl(new URL('sqs://us-east-1?endpont=x'))).toThrow(/endpont.*endpoint/);
  });
});

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const options = resolveOptions({ logger: silentLogger });
    expect(options).toMatchObject({
      topic: 'switchyard-events',
      fifoTopic: 'switchyard-events.fifo',
      queuePrefix: '',
      waitTimeSeconds: 20,
      visibilityTimeoutSeconds: 30,
      redriveMargin: 3,
      publishLingerMs: 0,
      ackLingerMs: 5,
      setQueuePolicy: true,
    });
  });

  it('derives the FIFO topic from a custom topic', () => {
    expect(resolveOptions({ topic: 'shop', logger: silentLogger }).fifoTopic).toBe('shop.fifo');
  });

  it('fails at start-up on out-of-range or malformed values', () => {
    expect(() => resolveOptions({ waitTimeSeconds: 21 })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ visibilityTimeoutSeconds: 0 })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ queuePrefix: 'dev.' })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ fifoTopic: 'ordered' })).toThrow(/\.fifo/);
  });
});

describe('subscriptionSettings', () => {
  const options = resolveOptions({ logger: silentLogger });

  it('uses the transport options and one receiver per 10 of prefetch', () => {
    expect(subscriptionSettings(spec({ prefetch: 35 }), options)).toEqual({
      visibilityTimeoutSeconds: 30,
      waitTimeSeconds: 20,
      receivers: 4,
    });
  });

  it("lets a consumer's transportOptions override them", () => {
    const settings = subscriptionSettings(
      spec({ transportOptions: { visibilityTimeoutSeconds: 5, waitTimeSeconds: 1, receivers: 2 } }),
      options,
    );
    expect(settings).toEqual({ visibilityTimeoutSeconds: 5, waitTimeSeconds: 1, receivers: 2 });
  });

  it('refuses unknown transportOptions keys, naming the queue', () => {
    expect(() =>
      subscriptionSettings(spec({ transportOptions: { visibility: 5 } }), options),
    ).toThrow(/billing\.onOrder.*visibility/);
  });
});

describe('sqs:// URLs', () => {
  it('select the SQS transport through the registry, with the options they carry', () => {
    const transport = createTransport('sqs://eu-west-1?endpoint=http://127.0.0.1:4566&prefix=dev-');
    expect(transport).toBeInstanceOf(SqsTransport);
    expect((transport as SqsTransport).options).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      queuePrefix: 'dev-',
    });
  });
});

describe('SqsTransport logging', () => {
  it("reports through the app's logger unless its options name one", async () => {
    const appLines: string[] = [];
    const appLogger = { ...silentLogger, warn: (line: string) => void appLines.push(line) };
    const adopted = new SqsTransport();
    await Switchyard.create({ transport: adopted, logger: appLogger });
    adopted.options.logger.warn('to the app');
    expect(appLines).toEqual(['to the app']);

    const ownLines: string[] = [];
    const own = { ...silentLogger, warn: (line: string) => void ownLines.push(line) };
    const kept = new SqsTransport({ logger: own });
    await Switchyard.create({ transport: kept, logger: appLogger });
    kept.options.logger.warn('to its own');
    expect(ownLines).toEqual(['to its own']);
    expect(appLines).toEqual(['to the app']);
  });
});
