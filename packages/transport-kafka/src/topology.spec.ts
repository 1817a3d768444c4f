import { describe, expect, it } from '@jest/globals';
import { KafkaTopicNameError } from './errors';
import { Topology, checked, exactTopics } from './topology';

describe('Topology', () => {
  const topology = new Topology('__swy');

  it("names a queue's retry and dead-letter topics and an instance's reply topic under the prefix", () => {
    expect(topology.retryTopic('billing.onOrder')).toBe('__swy.retry.billing.onOrder');
    expect(topology.deadLetterTopic('billing.onOrder')).toBe('__swy.dlq.billing.onOrder');
    expect(topology.replyTopic('a1b2')).toBe('__swy.reply.a1b2');
  });

  it('tells the queue of a dead-letter topic, and no queue for any other topic', () => {
    expect(topology.deadLetterQueue('__swy.dlq.billing.onOrder')).toBe('billing.onOrder');
    expect(topology.deadLetterQueue('__swy.retry.billing.onOrder')).toBeUndefined();
    expect(topology.deadLetterQueue('__swy.dlq.')).toBeUndefined();
  });

  it("matches wildcards against user topics only, never Kafka's or Switchyard's own", () => {
    const matches = topology.matcher(['#']);
    expect(matches('orders.created')).toBe(true);
    expect(matches('__consumer_offsets')).toBe(false);
    expect(matches('__swy.retry.billing.onOrder')).toBe(false);
    expect(matches('__swy.dlq.billing.onOrder')).toBe(false);
  });

  it('matches "*" as one word and "#" as zero or more, like every transport', () => {
    const matches = topology.matcher(['shop.orders.*', 'shop.#.created']);
    expect(matches('shop.orders.shipped')).toBe(true);
    expect(matches('shop.orders.eu.shipped')).toBe(false);
    expect(matches('shop.payments.eu.created')).toBe(true);
  });

  it('keeps a dotted topic as the Kafka topic of the same name', () => {
    expect(exactTopics(['orders.created', 'orders.*'])).toEqual(['orders.created']);
  });

  it('refuses names Kafka would refuse, saying which characters it allows', () => {
    expect(() => checked('orders:eu.created')).toThrow(KafkaTopicNameError);
    expect(() => checked('orders.$special')).toThrow(/letters, digits/);
    expect(() => checked('x'.repeat(250))).toThrow(KafkaTopicNameError);
  });
});
