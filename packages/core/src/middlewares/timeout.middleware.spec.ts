import { HandlerTimeoutError } from '../errors';
import type { InboundMessage } from '../message';
import { MessageContext } from '../message-context';
import { DONE } from '../pipeline/middleware';
import { timeoutMiddleware } from './timeout.middleware';

const message = { id: 'm', topic: 't', headers: {}, attempt: 1 } as unknown as InboundMessage;
const ctx = () =>
  new MessageContext(
    message,
    { name: 'Slow.handle', queue: 'slow.handle' },
    { publishFrom: async () => undefined },
  );

describe('timeoutMiddleware', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fails a handler that does not settle in time with HandlerTimeoutError', async () => {
    const result = timeoutMiddleware(100)(ctx(), () => new Promise(() => undefined));
    jest.advanceTimersByTime(100);
    await expect(result).rejects.toThrow(
      new HandlerTimeoutError('Slow.handle did not finish within 100 ms'),
    );
  });

  it('clears its deadline when the handler settles', async () => {
    await timeoutMiddleware(100)(ctx(), async () => undefined);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('arms no deadline for a pipeline that finished synchronously', async () => {
    expect(timeoutMiddleware(100)(ctx(), () => DONE)).toBe(DONE);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('arms no deadline when the handler throws before returning a promise', () => {
    expect(() =>
      timeoutMiddleware(100)(ctx(), () => {
        throw new Error('sync failure');
      }),
    ).toThrow('sync failure');
    expect(jest.getTimerCount()).toBe(0);
  });
});
