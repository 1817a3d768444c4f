import { topicFilter } from './filter-policy';

const policy = (patterns: string[]) => {
  const filter = topicFilter(patterns);
  return { policy: filter.policy && JSON.parse(filter.policy), exact: filter.exact };
};

describe('topicFilter', () => {
  it('matches exact topics exactly', () => {
    expect(policy(['orders.created', 'orders.paid'])).toEqual({
      policy: { 'swy-topic': ['orders.created', 'orders.paid'] },
      exact: true,
    });
  });

  it('expresses a trailing "#" as the prefix or the prefix alone, exactly', () => {
    expect(policy(['orders.#'])).toEqual({
      policy: { 'swy-topic': ['orders', { prefix: 'orders.' }] },
      exact: true,
    });
  });

  it('expresses a leading "#" as the suffix or the suffix alone, exactly', () => {
    expect(policy(['#.created'])).toEqual({
      policy: { 'swy-topic': ['created', { suffix: '.created' }] },
      exact: true,
    });
  });

  it('approximates "*" and inner "#" with the literal prefix, else suffix, leaving the rest to the subscriber', () => {
    expect(policy(['orders.*'])).toEqual({
      policy: { 'swy-topic': [{ prefix: 'orders.' }] },
      exact: false,
    });
    expect(policy(['shop.#.created'])).toEqual({
      policy: { 'swy-topic': [{ prefix: 'shop.' }] },
      exact: false,
    });
    expect(policy(['*.created'])).toEqual({
      policy: { 'swy-topic': [{ suffix: '.created' }] },
      exact: false,
    });
  });

  it('delivers everything for "#", exactly, and for patterns without literal ends, approximately', () => {
    expect(policy(['orders.created', '#'])).toEqual({ policy: undefined, exact: true });
    expect(policy(['*.*'])).toEqual({ policy: undefined, exact: false });
  });
});
