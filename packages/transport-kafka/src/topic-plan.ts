import type { TopicPlan } from './group-member';
import type { StartFrom } from './options';
import type { TopicRegistry } from './topic-registry';
import { TopicWatcher } from './topic-watcher';
import { type Topology, exactTopics, hasWildcard } from './topology';

/**
 * Which topics a queue's consumer reads: its exact topics and its retry topic (created if
 * missing), and the existing topics its wildcards match. Topics a wildcard matched at start-up
 * begin where `startFrom` says; topics that appear later are read from their first record.
 */
export class TopicPlanner {
  private readonly exact: readonly string[];
  private readonly matches: ((topic: string) => boolean) | undefined;
  private readonly initialMatches = new Set<string>();
  private watcher: TopicWatcher | undefined;
  private unhint: (() => void) | undefined;

  constructor(
    patterns: readonly string[],
    private readonly retryTopic: string,
    private readonly topics: TopicRegistry,
    private readonly startFrom: StartFrom,
    topology: Topology,
  ) {
    this.exact = exactTopics(patterns);
    this.matches = hasWildcard(patterns) ? topology.matcher(patterns) : undefined;
  }

  /** The plan at start-up; remembers what the wildcards match now. */
  async initial(): Promise<TopicPlan> {
    if (this.matches) {
      for (const topic of await this.topics.list()) {
        if (this.matches(topic)) this.initialMatches.add(topic);
      }
    }
    return this.plan(false);
  }

  /**
   * The topics to consume now. With `recreate`, topics this process created before are created
   * again if someone deleted them since.
   */
  async plan(recreate: boolean): Promise<TopicPlan> {
    const own = [...this.exact, this.retryTopic];
    if (recreate) this.topics.forget(own);
    await Promise.all(own.map((topic) => this.topics.ensure(topic)));
    const earliest = this.startFrom === 'earliest';
    const plan = new Map<string, boolean>();
    for (const topic of this.exact) plan.set(topic, earliest);
    plan.set(this.retryTopic, true);
    if (this.matches) {
      for (const topic of await this.topics.list()) {
        if (!this.matches(topic) || plan.has(topic)) continue;
        plan.set(topic, this.initialMatches.has(topic) ? earliest : true);
      }
    }
    return plan;
  }

  /**
   * For wildcard subscriptions: calls `onChange` every `intervalMs`, and soon after this process
   * creates a matching topic, to compare the plan with what is consumed.
   */
  watch(intervalMs: number, onChange: () => Promise<void>): void {
    const matches = this.matches;
    if (!matches) return;
    const watcher = new TopicWatcher(onChange, intervalMs);
    this.watcher = watcher;
    this.unhint = this.topics.onCreated((topic) => {
      if (matches(topic)) watcher.hint();
    });
    watcher.start();
  }

  stop(): void {
    this.watcher?.stop();
    this.unhint?.();
  }
}
