import { describe, expect, it } from '@jest/globals';
import type { OutgoingMessage } from '@switchyard/core';
import { type StreamEntry, decodeEntry, toFields } from './headers';

const message: OutgoingMessage = {
  id: 'm-1',
  topic: 'orders.created',
  key: 'customer-7',
  headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
  body: Buffer.from('{"orderId":"1"}'),
  timestamp: 1_700_000_000_000,
  priority: undefined,
  delayMs: undefined,
};

function entry(fields: (string | Buffer)[], entryId = '1700000000123-0'): StreamEntry {
  return { stream: 'orders.created', entryId, fields: fields.map((f) => Buffer.from(f)) };
}

describe('stream entry fields', () => {
  it('writes flat, human-readable fields with the body last', () => {
    const fields = toFields(message).map(String);
    expect(fields).toEqual([
      'id',
      'm-1',
      'ts',
      '1700000000000',
      'key',
      'customer-7',
      'h:content-type',
      'application/json',
      'h:x-tenant',
      'acme',
      'body',
      '{"orderId":"1"}',
    ]);
  });

  it('reads back what it wrote, at the delivery count given', () => {
    const read = decodeEntry(
      entry(toFields(message)),
      { topic: 'orders.created', fallbackTopic: '' },
      'q',
      2,
    );
    expect(read).toMatchObject({
      id: 'm-1',
      topic: 'orders.created',
      key: 'customer-7',
      headers: message.headers,
      timestamp: message.timestamp,
      attempt: 2,
      queue: 'q',
    });
    expect(read.body.toString()).toBe('{"orderId":"1"}');
  });

  it('carries topic, attempt and extra headers on a copy in an internal stream', () => {
    const copy = toFields(message, {
      topic: 'orders.created',
      attempt: 3,
      headers: { 'x-more': '1' },
    });
    const read = decodeEntry(entry(copy), { topic: undefined, fallbackTopic: 'q' }, 'q', 1);
    expect(read.topic).toBe('orders.created');
    expect(read.attempt).toBe(3);
    expect(read.headers['x-more']).toBe('1');
  });

  it('treats topic and attempt fields of a foreign entry in a topic stream as headers', () => {
    const read = decodeEntry(
      entry(['body', '{}', 'attempt', '9', 'topic', 'elsewhere']),
      { topic: 'orders.created', fallbackTopic: '' },
      'q',
      1,
    );
    expect(read.attempt).toBe(1);
    expect(read.topic).toBe('orders.created');
    expect(read.headers).toEqual({ attempt: '9', topic: 'elsewhere' });
  });

  it('gives a foreign entry with a body an id and time from its stream id', () => {
    const read = decodeEntry(
      entry(['body', '{"orderId":"1"}', 'source', 'legacy']),
      { topic: 'orders.created', fallbackTopic: '' },
      'q',
      1,
    );
    expect(read.id).toBe('orders.created@1700000000123-0');
    expect(read.timestamp).toBe(1_700_000_000_123);
    expect(read.headers).toEqual({ source: 'legacy' });
  });

  it('turns a foreign entry without a body into a JSON object of its fields', () => {
    const read = decodeEntry(
      entry(['orderId', '7', 'total', '10']),
      { topic: 'orders.created', fallbackTopic: '' },
      'q',
      1,
    );
    expect(JSON.parse(read.body.toString())).toEqual({ orderId: '7', total: '10' });
    expect(read.headers).toEqual({});
  });

  it('keeps a binary body byte for byte, and sends it as a buffer', () => {
    const bytes = Buffer.from([0, 255, 128, 10]);
    const fields = toFields({ ...message, body: bytes });
    expect(fields[fields.length - 1]).toBeInstanceOf(Buffer);
    const read = decodeEntry(entry(fields), { topic: 't', fallbackTopic: '' }, 'q', 1);
    expect(read.body.equals(bytes)).toBe(true);
  });
});
