import { isUtf8 } from 'node:buffer';
import { isSqsText } from './attributes';

/** A body as SQS carries it: text, base64-encoded when the bytes are not text SQS accepts. */
export interface EncodedBody {
  readonly text: string;
  readonly base64: boolean;
}

/**
 * UTF-8 bodies (every JSON body) travel as they are, so other consumers read them; anything else
 * (binary, or control characters SQS refuses) travels base64-encoded, flagged by an attribute.
 */
export function encodeBody(body: Buffer): EncodedBody {
  if (isUtf8(body)) {
    const text = body.toString('utf8');
    if (isSqsText(text)) return { text, base64: false };
  }
  return { text: body.toString('base64'), base64: true };
}

/** The bytes of a received body. */
export function decodeBody(text: string | undefined, base64: boolean): Buffer {
  return Buffer.from(text ?? '', base64 ? 'base64' : 'utf8');
}
