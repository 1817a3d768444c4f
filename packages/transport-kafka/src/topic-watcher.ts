/**
 * Calls `check` every `intervalMs`, and soon after this process creates a topic that may
 * matter, never two at once. Wildcard subscriptions use it to follow topics that appear or
 * disappear: kafkajs matches a subscription once, against the topics that exist then.
 */
export class TopicWatcher {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly check: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  /** Something changed here (this process created a matching topic): check now. */
  hint(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.run();
    }, 20);
    this.soon.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  private run(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (this.stopped ? Promise.resolve() : this.check())
      .catch(() => undefined) // The broker is unreachable: the next interval tries again.
      .finally(() => {
        this.checking = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.run();
        }
      });
    return this.checking;
  }
}
