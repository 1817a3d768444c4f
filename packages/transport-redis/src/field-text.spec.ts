import { decimalField, headerValue, knownHeader } from './field-text';

const bytes = (text: string) => Buffer.from(text);

describe('field text', () => {
  it('knows a header name again by its bytes, without the prefix', () => {
    const first = knownHeader(bytes('h:x-field-text-spec'), 2);
    expect(first?.name).toBe('x-field-text-spec');
    expect(knownHeader(bytes('h:x-field-text-spec'), 2)).toBe(first);
    expect(knownHeader(bytes('h:x-field-text-spex'), 2)).not.toBe(first);
  });

  it('does not remember a header name that is not ASCII', () => {
    expect(knownHeader(bytes('h:größe'), 2)).toBeUndefined();
  });

  it('decodes each value, repeated or not, to the text a plain decode gives', () => {
    const header = knownHeader(bytes('h:x-values-spec'), 2);
    if (!header) throw new Error('header not cached');
    const values = [
      'application/json',
      'application/json',
      'text/plain',
      'größe',
      'gr\u00f6\u00dfe',
    ];
    for (const value of values) expect(headerValue(header, bytes(value))).toBe(value);
    const latin1 = Buffer.from([0x67, 0xf6]); // not UTF-8: decodes with a replacement character
    expect(headerValue(header, latin1)).toBe(latin1.toString());
    expect(headerValue(header, Buffer.from('g\u00f6', 'latin1'))).toBe(latin1.toString());
  });

  it.each([
    '1718000000000',
    '0',
    '007',
    '',
    ' 12 ',
    '1e3',
    '0x10',
    '-5',
    'abc',
    '1234567890123456789',
  ])('reads the number %p as Number() does', (text) => {
    expect(decimalField(bytes(text))).toBe(Number(text));
  });
});
