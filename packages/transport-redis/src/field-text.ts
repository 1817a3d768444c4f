import { isAscii } from 'node:buffer';

/**
 * Text of the fields of stream entries, decoded without a new string where one is known. Every
 * entry repeats the same header names, and many repeat values (`h:content-type application/json`):
 * comparing a few bytes with the text seen before is cheaper than decoding them again, and hands
 * the same string (an already-hashed property name) to the message's header object. Only ASCII
 * text is remembered: bytes equal to its character codes are exactly its UTF-8 encoding.
 */

/** Most distinct names remembered: enough for any real header set, bounded for odd producers. */
const MAX_NAMES = 64;

/** A header name seen before, and the value it had last. */
export interface KnownHeader {
  readonly name: string;
  lastValue: string | undefined;
}

const known: KnownHeader[] = [];

/**
 * The header whose name is `field` without its first `skip` bytes: the same object for the same
 * name; `undefined` for a name that is not ASCII or does not fit in the cache any more.
 */
export function knownHeader(field: Buffer, skip: number): KnownHeader | undefined {
  const length = field.length - skip;
  for (let i = 0; i < known.length; i++) {
    const header = known[i];
    if (header.name.length === length && equalsText(field, skip, header.name)) return header;
  }
  if (known.length >= MAX_NAMES || !isAscii(field)) return undefined;
  const header: KnownHeader = { name: field.toString('latin1', skip), lastValue: undefined };
  known.push(header);
  return header;
}

/** The text of `header`'s `value`: the previous value's string when the bytes repeat. */
export function headerValue(header: KnownHeader, value: Buffer): string {
  const last = header.lastValue;
  if (last !== undefined && last.length === value.length && equalsText(value, 0, last)) return last;
  const text = value.toString();
  header.lastValue = isAscii(value) ? text : undefined;
  return text;
}

/** Whether the bytes of `bytes` from `skip` on are the character codes of (ASCII) `text`. */
function equalsText(bytes: Buffer, skip: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[i + skip] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * A field holding a decimal number (`ts`), read from its bytes. The same as
 * `Number(value.toString())`: plain digits (at most 15, so the value is exact) are summed here;
 * anything else is decoded and converted.
 */
export function decimalField(value: Buffer): number {
  if (value.length === 0 || value.length > 15) return Number(value.toString());
  let result = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = value[i] - 48;
    if (digit < 0 || digit > 9) return Number(value.toString());
    result = result * 10 + digit;
  }
  return result;
}
