import type { Transport, TransportCapabilities } from '@switchyard/core';

/** How a transport package runs the conformance suite against its broker. */
export interface ConformanceOptions {
  /** Shown in the suite's title, e.g. `rabbitmq`. */
  readonly name: string;
  /** What the transport declares; cases needing a missing capability are skipped, saying so. */
  readonly capabilities: TransportCapabilities;
  /**
   * A new, unconnected transport to the broker under test. Each app of a case gets its own, as
   * separate processes would; all of them must reach the same broker.
   */
  readonly createTransport: () => Transport | Promise<Transport>;
  /**
   * Publishes `body` to `topic` the way a producer that knows nothing of Switchyard would: with
   * the broker's plain client, no Switchyard headers.
   */
  readonly publishForeign: (topic: string, body: string) => Promise<void>;
  /**
   * Drops every client connection to the broker (or restarts it), for the reconnect case. Without
   * it that case is skipped, saying why.
   */
  readonly dropConnections?: () => Promise<void>;
  /**
   * `false` when the transport does not implement `DeadLetterAdmin` (what `switchyard dlq` needs):
   * the dead-letter management cases are then skipped, saying why. Default `true`: they run.
   */
  readonly deadLetterAdmin?: boolean;
  /** Multiplies every wait of the suite, for slow brokers. Default 1. */
  readonly timeScale?: number;
  /** Runs once after the suite (close raw clients). */
  readonly teardown?: () => Promise<void>;
}
