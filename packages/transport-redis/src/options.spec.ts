import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, Switchyard, createTransport, silentLogger } from '@switchyard/core';
import { optionsFromUrl, resolveOptions } from './options';
import { RedisTransport } from './transport';
import './index';

describe('Redis transport options', () => {
  it('applies the documented defaults', () => {
    const options = resolveOptions();
    expect(options).toMatchObject({
      url: 'redis://127.0.0.1:6379',
      streamPrefix: '',
      namespace: 'swy:',
      maxLen: 100_000,
      deadLetterMaxLen: 0,
      claimIdleMs: 30_000,
      claimIntervalMs: 5_000,
      blockMs: 5_000,
      discoveryIntervalMs: 5_000,
      discoverByScan: true,
      schedulerIntervalMs: 1_000,
      replyTtlMs: 60_000,
      connectionName: 'switchyard',
    });
    expect(options.consumerName).toMatch(/^.+:\d+:[0-9a-f]{8}$/);
  });

  it('gives every instance its own consumer name', () => {
    expect(resolveOptions().consumerName).not.toBe(resolveOptions().consumerName);
  });

  it('reads options from the URL and leaves only what ioredis understands in it', () => {
    const options = resolveOptions(
      optionsFromUrl(
        'redis://:secret@cache:6380/2?maxLen=500&streamPrefix=app:&discoverByScan=false',
      ),
    );
    expect(options.maxLen).toBe(500);
    expect(options.streamPrefix).toBe('app:');
    expect(options.discoverByScan).toBe(false);
    expect(options.url).toBe('redis://:secret@cache:6380/2');
  });

  it('refuses an unknown or malformed URL option at start-up', () => {
    expect(() => optionsFromUrl('redis://localhost?maxlen=5')).toThrow(ConfigurationError);
    expect(() => optionsFromUrl('redis://localhost?maxLen=lots')).toThrow(/must be a number/);
    expect(() => resolveOptions({ claimIdleMs: 0 })).toThrow(/must be positive/);
    expect(() => resolveOptions({ url: 'http://localhost' })).toThrow(/not a Redis URL/);
  });

  it('is what redis:// and rediss:// URLs create', () => {
    expect(createTransport('redis://127.0.0.1:6379')).toBeInstanceOf(RedisTransport);
    const tls = createTransport('rediss://cache.example:6380?namespace=app:') as RedisTransport;
    expect(tls.options.url.startsWith('rediss://')).toBe(true);
    expect(tls.options.namespace).toBe('app:');
  });

  it("reports through the app's logger unless its options name one", async () => {
    const appLines: string[] = [];
    const appLogger = { ...silentLogger, warn: (line: string) => void appLines.push(line) };
    const adopted = new RedisTransport();
    await Switchyard.create({ transport: adopted, logger: appLogger });
    adopted.options.logger.warn('to the app');
    expect(appLines).toEqual(['to the app']);

    const ownLines: string[] = [];
    const own = { ...silentLogger, warn: (line: string) => void ownLines.push(line) };
    const kept = new RedisTransport({ logger: own });
    await Switchyard.create({ transport: kept, logger: appLogger });
    kept.options.logger.warn('to its own');
    expect(ownLines).toEqual(['to its own']);
    expect(appLines).toEqual(['to the app']);
  });
});
