import type { InboundMessage } from '@switchyard/core';

/** One stream entry handed to this consumer, from fetch until it is settled or handed back. */
export interface Delivery {
  readonly stream: string;
  readonly entryId: string;
  /** Replaced when an ordered message is retried in place (attempt + 1, merged headers). */
  message: InboundMessage;
  /**
   * The PEL delivery count of the run in progress or planned next: 1 for a fresh read, Redis's
   * count for a reclaimed entry, one more for each retry in place.
   */
  deliveryCount: number;
  /** Acknowledged already (at-most-once acknowledges before the handler). */
  acked: boolean;
}
