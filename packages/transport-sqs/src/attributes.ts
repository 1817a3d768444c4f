/**
 * A message attribute as both SQS and SNS carry it. Switchyard writes only `String` and `Number`
 * attributes; SNS raw delivery hands them to SQS with the same data type.
 */
export interface AttributeValue {
  DataType: string;
  StringValue: string;
}

/** Message attributes by name, as Switchyard writes them. */
export type AttributeMap = Record<string, AttributeValue>;

/** Message attributes by name, as SQS returns them (any producer's, binary ones included). */
export type ReceivedAttributes = Record<string, { readonly StringValue?: string | undefined }>;

/**
 * Names of the attributes Switchyard itself uses, each starting `swy-` so they never clash with a
 * producer's own. `topic` is what SNS filter policies match on.
 */
export const SqsAttributes = {
  /** The topic the message was published to; SNS subscriptions filter on it. */
  topic: 'swy-topic',
  /** Switchyard's message id (SQS assigns its own `MessageId`, which cannot be chosen). */
  id: 'swy-id',
  /** The ordering key, when the message has one. */
  key: 'swy-key',
  /** Epoch milliseconds of the publish (`Number`). */
  timestamp: 'swy-timestamp',
  /** Epoch milliseconds before which the message must not be handled (`Number`). */
  deliverAt: 'swy-deliver-at',
  /** Every header that is not an attribute of its own, as one JSON object. */
  headers: 'swy-headers',
  /** `base64` when the body is not text SQS can carry as it is. */
  bodyEncoding: 'swy-body-encoding',
} as const;

/** SQS's limit of message attributes per message (also SNS's, for raw delivery to SQS). */
export const MAX_ATTRIBUTES = 10;

/** A `String` attribute. */
export function stringAttribute(value: string): AttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** A `Number` attribute. */
export function numberAttribute(value: number): AttributeValue {
  return { DataType: 'Number', StringValue: String(value) };
}

/**
 * Whether SQS accepts `value` as the text of a body or attribute: only XML 1.0's characters (tab,
 * line feed, carriage return, U+0020–U+FFFD without lone surrogates, and U+10000 onwards).
 */
export function isSqsText(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20) {
      if (code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(index + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      index++;
    } else if (code >= 0xfffe) {
      return false;
    }
  }
  return true;
}
