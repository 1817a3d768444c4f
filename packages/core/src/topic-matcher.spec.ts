import { InvalidTopicError } from './errors';
import { assertValidTopic, compilePattern } from './topic-matcher';

describe('compilePattern', () => {
  it.each([
    ['orders.created', 'orders.created', true],
    ['orders.created', 'orders.updated', false],
    ['orders.created', 'orders.created.eu', false],
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders', false],
    ['orders.*', 'orders.eu.created', false],
    ['*.created', 'orders.created', true],
    ['*.created', 'created', false],
    ['*.*', 'a.b', true],
    ['*.*', 'a.b.c', false],
    ['#', 'anything.at.all', true],
    ['#', 'one', true],
    ['orders.#', 'orders', true],
    ['orders.#', 'orders.created', true],
    ['orders.#', 'orders.eu.created', true],
    ['orders.#', 'ordersx.created', false],
    ['#.created', 'created', true],
    ['#.created', 'orders.created', true],
    ['#.created', 'orders.eu.created', true],
    ['#.created', 'orders.created.late', false],
    ['#.created', 'xcreated', false],
    ['orders.#.created', 'orders.created', true],
    ['orders.#.created', 'orders.eu.west.created', true],
    ['orders.#.created', 'orders.eu.updated', false],
    ['#.orders.#', 'orders', true],
    ['#.orders.#', 'eu.orders.created', true],
    ['#.orders.#', 'eu.ordersx.created', false],
    ['*.orders.#', 'eu.orders', true],
    ['*.orders.#', 'orders', false],
    ['a.*.#', 'a.b', true],
    ['a.*.#', 'a', false],
    ['price.$usd', 'price.$usd', true],
    ['price.*', 'price.$usd', true],
  ])('pattern %s against %s → %s', (pattern, topic, expected) => {
    expect(compilePattern(pattern)(topic)).toBe(expected);
  });

  it.each([
    '',
    'orders..created',
    '.orders',
    'orders.',
    'orders.cre*ted',
    'orders.#x',
    'orders created',
  ])('rejects the malformed pattern %j with InvalidTopicError', (pattern) => {
    expect(() => compilePattern(pattern)).toThrow(InvalidTopicError);
  });
});

describe('assertValidTopic', () => {
  it('accepts dotted words', () => {
    expect(() => assertValidTopic('orders.eu-west.created_v2')).not.toThrow();
  });

  it.each(['orders.*', 'orders.#', '', 'a..b'])(
    'rejects %j, which is not a concrete topic',
    (topic) => {
      expect(() => assertValidTopic(topic)).toThrow(InvalidTopicError);
    },
  );
});
