/**
 * Finds topics created after a wildcard subscription started. kafkajs matches a subscription
 * once, against the topics that exist then; this lists the cluster's topics every `intervalMs`
 * (and soon after this process creates one) and reports the new matching ones, so the consumer
 * can rejoin with them.
 */
export class TopicWatcher {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly list: () => Promise<string[]>,
    /** Whether a topic matches the subscription and is not consumed yet. */
    private readonly wanted: (topic: string) => boolean,
    private readonly onFound: (topics: string[]) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** A topic was just created by this process: look now rather than at the next interval. */
  hint(topic: string): void {
    if (this.stopped || this.soon || !this.wanted(topic)) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.check();
    }, 20);
    this.soon.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  private check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = this.look().finally(() => {
      this.checking = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.check();
      }
    });
    return this.checking;
  }

  private async look(): Promise<void> {
    if (this.stopped) return;
    let topics: string[];
    try {
      topics = (await this.list()).filter(this.wanted);
    } catch {
      return; // The broker is unreachable; the next interval tries again.
    }
    if (topics.length > 0 && !this.stopped) await this.onFound(topics.sort());
  }
}
