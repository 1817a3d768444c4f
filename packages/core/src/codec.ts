import { DecodeError } from './errors';
import { Headers, JSON_CONTENT_TYPE } from './headers';
import type { MessageHeaders } from './message';

/** Turns payloads into bytes and back. */
export interface Codec {
  /** The content type written into the `content-type` header. */
  readonly contentType: string;
  encode(payload: unknown): Buffer;
  /** Throws `DecodeError` for a body it cannot read. */
  decode(body: Buffer, headers: MessageHeaders): unknown;
}

/**
 * UTF-8 JSON. A body without a content type is read as JSON, so plain producers interoperate; a
 * body that declares another content type is refused rather than misread.
 */
export class JsonCodec implements Codec {
  readonly contentType = JSON_CONTENT_TYPE;

  encode(payload: unknown): Buffer {
    return Buffer.from(JSON.stringify(payload) ?? 'null', 'utf8');
  }

  decode(body: Buffer, headers: MessageHeaders): unknown {
    const contentType = headers[Headers.contentType];
    if (contentType !== undefined && !isJsonContentType(contentType)) {
      throw new DecodeError(`Cannot decode a body of content type "${contentType}" as JSON`);
    }
    try {
      return JSON.parse(body.toString());
    } catch (error) {
      const preview = body.subarray(0, 40).toString('utf8');
      throw new DecodeError(`Body is not valid JSON (starts with ${JSON.stringify(preview)})`, {
        cause: error,
      });
    }
  }
}

function isJsonContentType(contentType: string): boolean {
  return (
    contentType.startsWith('application/json') ||
    contentType.includes('+json') ||
    contentType.startsWith('text/plain')
  );
}
