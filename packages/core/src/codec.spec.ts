import { JsonCodec } from './codec';
import { DecodeError } from './errors';

describe('JsonCodec', () => {
  const codec = new JsonCodec();

  it('round-trips a payload through UTF-8 JSON', () => {
    const payload = { orderId: 'o-1', total: 12.5, note: 'naïve ✓' };
    expect(codec.decode(codec.encode(payload), {})).toEqual(payload);
  });

  it('reads a body without a content type as JSON, so plain producers interoperate', () => {
    expect(codec.decode(Buffer.from('{"a":1}'), {})).toEqual({ a: 1 });
  });

  it('refuses a body declared as another content type', () => {
    expect(() => codec.decode(Buffer.from('<a/>'), { 'content-type': 'application/xml' })).toThrow(
      DecodeError,
    );
  });

  it('says what the broken body starts with', () => {
    expect(() => codec.decode(Buffer.from('{"orderId": broken'), {})).toThrow(
      /starts with "\{\\"orderId\\": broken"/,
    );
  });

  it('encodes undefined as null rather than an empty body', () => {
    expect(codec.encode(undefined).toString()).toBe('null');
  });
});
