import { HandlerTimeoutError, ValidationFailedError } from './errors';
import { FailurePolicy, backoffDelay } from './failure-policy';
import { DeadLetterHeaders, FIRST_FAILURE_HEADER } from './headers';
import type { InboundMessage } from './message';

function message(attempt: number, headers: Record<string, string> = {}): InboundMessage {
  return {
    id: 'm-1',
    topic: 'orders.created',
    key: undefined,
    headers,
    body: Buffer.from('{}'),
    timestamp: 0,
    priority: undefined,
    delayMs: undefined,
    attempt,
    queue: 'billing.onOrder',
  };
}

describe('backoffDelay', () => {
  const backoff = { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 0 };

  it('grows exponentially from the initial delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(backoff, attempt))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('spreads delays by at most the jitter fraction', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay({ ...backoff, jitter: 0.1 }, 2);
      expect(delay).toBeGreaterThanOrEqual(180);
      expect(delay).toBeLessThanOrEqual(220);
    }
  });
});

describe('FailurePolicy', () => {
  const policy = new FailurePolicy(
    { name: 'Billing.onOrder', queue: 'billing.onOrder' },
    { attempts: 3, backoff: { initialMs: 100, jitter: 0 } },
  );

  it('retries a failure while attempts remain, remembering when the first failure happened', () => {
    const settlement = policy.onFailure(message(1), new Error('boom'));
    expect(settlement).toEqual({
      kind: 'retry',
      delayMs: 100,
      headers: { [FIRST_FAILURE_HEADER]: expect.any(String) },
    });
    const later = policy.onFailure(
      message(2, { [FIRST_FAILURE_HEADER]: '2026-01-01T00:00:00.000Z' }),
      new Error('boom'),
    );
    expect(later).toMatchObject({
      kind: 'retry',
      delayMs: 200,
      headers: { [FIRST_FAILURE_HEADER]: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('dead-letters after the last attempt with the reason headers', () => {
    const settlement = policy.onFailure(
      message(3, { [FIRST_FAILURE_HEADER]: '2026-01-01T00:00:00.000Z' }),
      new HandlerTimeoutError('too slow'),
    );
    expect(settlement).toEqual({
      kind: 'dead-letter',
      headers: {
        [DeadLetterHeaders.reason]: 'SWY_HANDLER_TIMEOUT',
        [DeadLetterHeaders.error]: 'too slow',
        [DeadLetterHeaders.originalTopic]: 'orders.created',
        [DeadLetterHeaders.queue]: 'billing.onOrder',
        [DeadLetterHeaders.handler]: 'Billing.onOrder',
        [DeadLetterHeaders.attempts]: '3',
        [DeadLetterHeaders.firstFailureAt]: '2026-01-01T00:00:00.000Z',
        [DeadLetterHeaders.lastFailureAt]: expect.any(String),
      },
    });
  });

  it('dead-letters a non-retryable error on the first attempt', () => {
    const settlement = policy.onFailure(message(1), new ValidationFailedError('bad', ['x: bad']));
    expect(settlement.kind).toBe('dead-letter');
    expect(settlement.headers[DeadLetterHeaders.reason]).toBe('SWY_VALIDATION_FAILED');
  });

  it('names a thrown non-error value', () => {
    const settlement = policy.onFailure(message(3), 'just a string');
    expect(settlement.headers).toMatchObject({
      [DeadLetterHeaders.reason]: 'UnknownError',
      [DeadLetterHeaders.error]: 'just a string',
    });
  });
});
