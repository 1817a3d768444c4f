import type { Message } from 'amqplib';
import { AmqpHeaders, copyOptions, inboundMessage, publishOptions } from './headers';
import { outgoingMessage } from '@switchyard/testing';

function delivered(properties: Record<string, unknown>, redelivered = false): Message {
  return {
    content: Buffer.from('{}'),
    fields: {
      deliveryTag: 1,
      redelivered,
      exchange: 'x',
      routingKey: 'orders.created',
    } as Message['fields'],
    properties: { headers: {}, ...properties } as Message['properties'],
  };
}

describe('AMQP header mapping', () => {
  it('maps Switchyard headers onto AMQP properties where AMQP has one', () => {
    const message = outgoingMessage(
      'orders.created',
      {},
      {
        id: 'm-1',
        key: 'customer-7',
        priority: 3,
        timestamp: 1_700_000_000_123,
        headers: {
          'content-type': 'application/json',
          'correlation-id': 'c-1',
          'reply-to': 'amq.rabbitmq.reply-to.abc',
          traceparent: 't',
        },
      },
    );
    const options = publishOptions(message);
    expect(options).toMatchObject({
      messageId: 'm-1',
      correlationId: 'c-1',
      contentType: 'application/json',
      replyTo: 'amq.rabbitmq.reply-to.abc',
      type: 'orders.created',
      timestamp: 1_700_000_000,
      priority: 3,
      persistent: true,
    });
    expect(options.headers).toEqual({
      traceparent: 't',
      [AmqpHeaders.key]: 'customer-7',
      [AmqpHeaders.timestamp]: 1_700_000_000_123,
    });
  });

  it('gives a message without message_id a generated id, attempt 1 and the routing key as topic', () => {
    const inbound = inboundMessage(delivered({}), 'q');
    expect(inbound.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(inbound.attempt).toBe(1);
    expect(inbound.topic).toBe('orders.created');
    expect(inbound.queue).toBe('q');
  });

  it('counts a redelivery once on a classic queue and by x-delivery-count on a quorum queue', () => {
    expect(inboundMessage(delivered({}, true), 'q').attempt).toBe(2);
    const quorum = delivered(
      { headers: { 'x-delivery-count': 2, [AmqpHeaders.attempt]: 2 } },
      true,
    );
    expect(inboundMessage(quorum, 'q').attempt).toBe(4);
  });

  it('shows foreign header values as text and hides its own x-swy- headers', () => {
    const inbound = inboundMessage(
      delivered({
        headers: {
          count: 3,
          flag: true,
          'x-death': [{ count: 1, time: { '!': 'timestamp', value: 1_700_000_000 } }],
          [AmqpHeaders.topic]: 'orders.placed',
          [AmqpHeaders.key]: 'k',
        },
        timestamp: 1_700_000_000,
      }),
      'q',
    );
    expect(inbound.headers).toEqual({
      count: '3',
      flag: 'true',
      'x-death': '[{"count":1,"time":"2023-11-14T22:13:20.000Z"}]',
    });
    expect(inbound.topic).toBe('orders.placed');
    expect(inbound.key).toBe('k');
    expect(inbound.timestamp).toBe(1_700_000_000_000);
  });

  it('copies a delivery with its x-death, minus the quorum delivery count', () => {
    const raw = delivered({
      messageId: 'm-1',
      headers: { 'x-death': [{ count: 2, queue: 'r' }], 'x-delivery-count': 1, a: 'b' },
    });
    const copy = copyOptions(raw, { 'swy-dlq-reason': 'TypeError' });
    expect(copy.messageId).toBe('m-1');
    expect(copy.headers).toEqual({
      a: 'b',
      'x-death': [{ count: { '!': 'long', value: 2 }, queue: 'r' }],
      'swy-dlq-reason': 'TypeError',
    });
  });
});
