import { expect } from '@jest/globals';
import {
  Consumer,
  type DeadLetterAdmin,
  DeadLetterHeaders,
  FIRST_FAILURE_HEADER,
  type MessageContext,
  Retry,
  Subscribe,
  type Switchyard,
  type Transport,
  UnknownQueueError,
  freshAttempt,
  hasDeadLetterAdmin,
  replayDeadLetters,
} from '@switchyard/core';
import type { ConformanceCase } from '../conformance-case';
import type { ConformanceHarness } from '../harness';
import { Recorder } from '../recorder';

/** The app's transport as the dead-letter admin it must be for these cases. */
function adminOf(app: Switchyard): Transport & DeadLetterAdmin {
  const { transport } = app;
  if (!hasDeadLetterAdmin(transport)) {
    throw new Error(
      `${transport.name} does not implement DeadLetterAdmin; pass deadLetterAdmin: false to the suite if it cannot`,
    );
  }
  return transport;
}

/**
 * Starts a queue whose handler fails while `failing.now` is true (dead-lettering at once) and a
 * bystander group on the same topic, then dead-letters `ids` in that order.
 */
async function deadLettered(h: ConformanceHarness, ids: readonly string[]) {
  const topic = h.name('invoices.issued');
  const group = h.name('ledger');
  const queue = `${group}.post`;
  const failing = { now: true };
  const posted = new Recorder<{ n: number }>();
  const seenByBystander = new Recorder<{ n: number }>();
  @Consumer({ group })
  class Ledger {
    @Subscribe(topic)
    @Retry({ attempts: 1 })
    post(invoice: { n: number }, ctx: MessageContext) {
      if (failing.now) throw new Error(`ledger is closed (invoice ${invoice.n})`);
      posted.record(invoice, ctx);
    }
  }
  @Consumer({ group: h.name('audit') })
  class Audit {
    @Subscribe(topic)
    post(invoice: { n: number }, ctx: MessageContext) {
      seenByBystander.record(invoice, ctx);
    }
  }
  const app = await h.start([Ledger, Audit]);
  const admin = adminOf(app);
  for (const [index, id] of ids.entries()) {
    await app.bus.publish(topic, { n: index + 1 }, { messageId: id });
    // One at a time, so the letters are stored in publish order on every broker.
    await h.deadLetters(admin, queue, index + 1);
  }
  return { app, admin, topic, queue, failing, posted, seenByBystander };
}

const ids = (letters: ReadonlyArray<{ readonly id: string }>) => letters.map(({ id }) => id);

/** `DeadLetterAdmin`, what `switchyard dlq` runs on: replay, delete, purge and list. */
export const deadLetterAdminCases: ConformanceCase[] = [
  {
    name: 'replays a dead letter into its queue alone, as a first attempt, and removes it from the dead letters',
    requires: 'deadLetterAdmin',
    timeoutMs: 60_000,
    async run(h) {
      const { app, admin, topic, queue, failing, posted, seenByBystander } = await deadLettered(h, [
        'inv-1',
        'inv-2',
      ]);
      failing.now = false;
      const [first] = await admin.peekDeadLetters(queue, 1);
      expect(await replayDeadLetters(admin, queue, [first!])).toEqual(['inv-1']);
      const [replayed] = await posted.waitForCount(1, h.ms(15_000));
      expect(replayed!.ctx.message).toMatchObject({ id: 'inv-1', topic, attempt: 1 });
      expect(replayed!.ctx.headers[DeadLetterHeaders.reason]).toBeUndefined();
      expect(replayed!.ctx.headers[FIRST_FAILURE_HEADER]).toBeUndefined();
      expect(ids(await admin.peekDeadLetters(queue, 10))).toEqual(['inv-2']);
      // The bystander saw each invoice once: the replay did not go to the topic.
      await app.bus.publish(topic, { n: 3 }, { messageId: 'inv-3' });
      await seenByBystander.waitForCount(3, h.ms(15_000));
      expect(seenByBystander.handled.map(({ ctx }) => ctx.message.id).sort()).toEqual([
        'inv-1',
        'inv-2',
        'inv-3',
      ]);
    },
  },
  {
    name: 'deletes dead letters by id, keeps the others in order, and counts what it removed',
    requires: 'deadLetterAdmin',
    timeoutMs: 60_000,
    async run(h) {
      const { admin, queue } = await deadLettered(h, ['d-1', 'd-2', 'd-3', 'd-4']);
      expect(await admin.deleteDeadLetters(queue, ['d-1', 'd-3', 'not-there'])).toBe(2);
      expect(ids(await admin.peekDeadLetters(queue, 10))).toEqual(['d-2', 'd-4']);
      expect(await admin.deleteDeadLetters(queue, [])).toBe(0);
    },
  },
  {
    name: 'purges the dead letters of a queue, says how many, and lists the queue while it has a destination',
    requires: 'deadLetterAdmin',
    timeoutMs: 60_000,
    async run(h) {
      const { admin, queue } = await deadLettered(h, ['p-1', 'p-2']);
      const listed = await admin.listDeadLetterQueues();
      if (listed !== undefined) expect(listed).toContain(queue);
      expect(await admin.purgeDeadLetters(queue)).toBe(2);
      expect(await admin.peekDeadLetters(queue, 10)).toEqual([]);
    },
  },
  {
    name: 'replays a dead letter with the priority it was published with',
    requires: ['deadLetterAdmin', 'priority'],
    timeoutMs: 60_000,
    async run(h) {
      const topic = h.name('tickets.opened');
      const group = h.name('support');
      const queue = `${group}.answer`;
      const failing = { now: true };
      const answered = new Recorder<unknown>();
      @Consumer({ group, maxPriority: 9 })
      class Support {
        @Subscribe(topic)
        @Retry({ attempts: 1 })
        answer(ticket: unknown, ctx: MessageContext) {
          if (failing.now) throw new Error('nobody on duty');
          answered.record(ticket, ctx);
        }
      }
      const app = await h.start([Support]);
      const admin = adminOf(app);
      await app.bus.publish(topic, { ticket: 1 }, { priority: 7 });
      const [letter] = await h.deadLetters(admin, queue, 1);
      expect(letter!.priority).toBe(7);
      failing.now = false;
      await replayDeadLetters(admin, queue, [letter!]);
      const [replayed] = await answered.waitForCount(1, h.ms(15_000));
      expect(replayed!.ctx.message.priority).toBe(7);
    },
  },
  {
    name: 'refuses to redeliver into a queue nobody ever subscribed, with SWY_UNKNOWN_QUEUE',
    requires: 'deadLetterAdmin',
    async run(h) {
      const app = await h.start([]);
      const admin = adminOf(app);
      const letter = {
        id: 'lost-1',
        topic: h.name('invoices.lost'),
        key: undefined,
        headers: { [DeadLetterHeaders.originalTopic]: h.name('invoices.lost') },
        body: Buffer.from('{}'),
      };
      await expect(
        admin.redeliver(`${h.name('nobody')}.post`, freshAttempt(letter)),
      ).rejects.toBeInstanceOf(UnknownQueueError);
    },
  },
];
