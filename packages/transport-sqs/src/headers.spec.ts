import { MessageTooLargeError, type OutgoingMessage } from '@switchyard/core';
import { MAX_ATTRIBUTES, isSqsText } from './attributes';
import { decodeBody, encodeBody } from './body';
import { DelayTooLongError } from './errors';
import { decodeAttributes, encodeAttributes } from './headers';
import { MAX_MESSAGE_BYTES, toRecord } from './record';

const fields = {
  id: 'msg-1',
  topic: 'orders.created',
  key: 'customer-7',
  timestamp: 1_700_000_000_000,
  deliverAt: undefined,
  base64: false,
};

const message = (overrides: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id: 'msg-1',
  topic: 'orders.created',
  key: undefined,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"orderId":"o-1"}'),
  timestamp: 1_700_000_000_000,
  priority: undefined,
  delayMs: undefined,
  ...overrides,
});

describe('encodeAttributes / decodeAttributes', () => {
  it('carries envelope and headers through the round trip', () => {
    const headers = {
      'content-type': 'application/json',
      'correlation-id': 'corr-42',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-tenant': 'acme',
      'x-unicode': 'naïve ✓',
      'x-empty': '',
    };
    const attributes = encodeAttributes(fields, headers);
    const decoded = decodeAttributes(attributes);
    expect(decoded).toEqual({ ...fields, deliverAt: undefined, headers });
  });

  it('gives the well-known headers attributes of their own and packs the rest into swy-headers', () => {
    const attributes = encodeAttributes(fields, {
      'content-type': 'application/json',
      'correlation-id': 'corr-42',
      'x-tenant': 'acme',
    });
    expect(Object.keys(attributes).sort()).toEqual(
      [
        'content-type',
        'correlation-id',
        'swy-headers',
        'swy-id',
        'swy-key',
        'swy-timestamp',
        'swy-topic',
      ].sort(),
    );
    expect(attributes['swy-timestamp']).toEqual({
      DataType: 'Number',
      StringValue: '1700000000000',
    });
    expect(JSON.parse(attributes['swy-headers']!.StringValue)).toEqual({ 'x-tenant': 'acme' });
  });

  it('never writes more than 10 attributes, moving promoted headers into swy-headers', () => {
    const headers = {
      'content-type': 'application/json',
      'correlation-id': 'c',
      traceparent: 't',
      'swy-dlq-reason': 'TypeError',
      'x-a': 'a',
    };
    const attributes = encodeAttributes({ ...fields, deliverAt: 1, base64: true }, headers);
    expect(Object.keys(attributes).length).toBeLessThanOrEqual(MAX_ATTRIBUTES);
    expect(decodeAttributes(attributes).headers).toEqual(headers);
  });

  it('turns the attributes of a foreign producer into headers, and ignores binary ones', () => {
    const decoded = decodeAttributes({
      tenant: { StringValue: 'acme' },
      retries: { StringValue: '3' },
      blob: { StringValue: undefined },
    });
    expect(decoded.headers).toEqual({ tenant: 'acme', retries: '3' });
    expect(decoded.id).toBeUndefined();
    expect(decoded.topic).toBeUndefined();
  });
});

describe('encodeBody / decodeBody', () => {
  it('sends UTF-8 text as it is', () => {
    const body = Buffer.from('{"name":"naïve ✓"}');
    expect(encodeBody(body)).toEqual({ text: body.toString('utf8'), base64: false });
  });

  it('base64-encodes bytes SQS cannot carry, and restores them', () => {
    const body = Buffer.from([0x00, 0xff, 0x10, 0x41]);
    const encoded = encodeBody(body);
    expect(encoded.base64).toBe(true);
    expect(decodeBody(encoded.text, true)).toEqual(body);
  });

  it('knows the characters SQS refuses', () => {
    expect(isSqsText('tab\tnewline\n😀')).toBe(true);
    expect(isSqsText('nul\u0000')).toBe(false);
    expect(isSqsText('lone \ud800 surrogate')).toBe(false);
    expect(isSqsText('\uffff')).toBe(false);
  });
});

describe('toRecord', () => {
  it('groups FIFO messages by key, or by id when unkeyed, and deduplicates by id', () => {
    expect(toRecord(message({ key: 'acct-1' }))).toMatchObject({
      groupId: 'acct-1',
      deduplicationId: 'msg-1',
    });
    expect(toRecord(message()).groupId).toBe('msg-1');
  });

  it('counts attributes into the 256 KiB limit and fails before sending', () => {
    const body = Buffer.alloc(MAX_MESSAGE_BYTES - 100, 'a');
    expect(() => toRecord(message({ body }))).toThrow(MessageTooLargeError);
    expect(() => toRecord(message({ body }))).toThrow(/Store the payload elsewhere/);
    expect(
      toRecord(message({ body: Buffer.alloc(MAX_MESSAGE_BYTES - 300, 'a') })).size,
    ).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('stamps a delayed message with the time it is due, and refuses delays over 12 hours', () => {
    const before = Date.now();
    const record = toRecord(message({ delayMs: 5_000 }));
    const due = Number(record.attributes['swy-deliver-at']!.StringValue);
    expect(due).toBeGreaterThanOrEqual(before + 5_000);
    expect(() => toRecord(message({ delayMs: 43_200_001 }))).toThrow(DelayTooLongError);
  });
});
