import { replayDeadLetters, summarizeDeadLetter } from './dead-letters';
import { DeadLetterHeaders, FIRST_FAILURE_HEADER } from './headers';
import type { OutgoingMessage } from './message';
import type { DeadLetter, DeadLetterAdmin } from './transport-abilities';

function letter(id: string): DeadLetter {
  return {
    id,
    topic: 'orders.created',
    key: 'c-1',
    headers: {
      'correlation-id': `corr-${id}`,
      [FIRST_FAILURE_HEADER]: '2026-01-01T00:00:00.000Z',
      [DeadLetterHeaders.reason]: 'Error',
      [DeadLetterHeaders.error]: 'boom',
      [DeadLetterHeaders.attempts]: '3',
      [DeadLetterHeaders.originalTopic]: 'orders.created',
      [DeadLetterHeaders.lastFailureAt]: '2026-01-01T00:01:00.000Z',
    },
    body: Buffer.from(`{"id":"${id}"}`),
  };
}

/** A DeadLetterAdmin that records calls and refuses to redeliver the ids it is told to. */
function recordingAdmin(refuse: string[] = []) {
  const redelivered: OutgoingMessage[] = [];
  const deleted: string[][] = [];
  const admin: DeadLetterAdmin = {
    peekDeadLetters: async () => [],
    redeliver: async (_queue, message) => {
      if (refuse.includes(message.id)) throw new Error(`broker refused ${message.id}`);
      redelivered.push(message);
    },
    deleteDeadLetters: async (_queue, ids) => {
      deleted.push([...ids]);
      return ids.length;
    },
    purgeDeadLetters: async () => 0,
    listDeadLetterQueues: async () => undefined,
  };
  return { admin, redelivered, deleted };
}

describe('replayDeadLetters', () => {
  it('redelivers each letter as a fresh attempt, then removes them all in one call', async () => {
    const { admin, redelivered, deleted } = recordingAdmin();
    const ids = await replayDeadLetters(admin, 'billing.invoice', [letter('a'), letter('b')]);
    expect(ids).toEqual(['a', 'b']);
    expect(deleted).toEqual([['a', 'b']]);
    expect(redelivered[0]).toMatchObject({
      id: 'a',
      topic: 'orders.created',
      key: 'c-1',
      headers: { 'correlation-id': 'corr-a' },
    });
    expect(Object.keys(redelivered[0].headers)).toEqual(['correlation-id']);
  });

  it('removes only what was redelivered when a redelivery fails, and says why', async () => {
    const { admin, deleted } = recordingAdmin(['b']);
    await expect(
      replayDeadLetters(admin, 'billing.invoice', [letter('a'), letter('b'), letter('c')]),
    ).rejects.toThrow('broker refused b');
    expect(deleted).toEqual([['a']]);
  });
});

describe('summarizeDeadLetter', () => {
  it('reads reason, attempts, topic and age from the dead-letter headers', () => {
    expect(
      summarizeDeadLetter('billing.invoice', letter('a'), Date.parse('2026-01-01T00:02:00.000Z')),
    ).toEqual({
      id: 'a',
      queue: 'billing.invoice',
      originalTopic: 'orders.created',
      reason: 'Error',
      error: 'boom',
      attempts: 3,
      handler: undefined,
      deadLetteredAt: '2026-01-01T00:01:00.000Z',
      ageMs: 60_000,
    });
  });
});
