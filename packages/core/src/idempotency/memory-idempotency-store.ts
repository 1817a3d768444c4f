import type { ClaimResult, IdempotencyStore } from './idempotency-store';

interface Entry {
  completed: boolean;
  expiresAt: number;
}

/**
 * An `IdempotencyStore` in this process's memory, with TTL. Right for tests and single-process
 * services; it forgets everything on restart and is not shared between workers — use the Redis
 * store from `@switchyard/redis` for that. Expired entries are swept as the store is used.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private nextSweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async begin(key: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.now();
    this.sweep(now);
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) return entry.completed ? 'completed' : 'in-progress';
    this.entries.set(key, { completed: false, expiresAt: now + leaseMs });
    return 'acquired';
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { completed: true, expiresAt: this.now() + ttlMs });
  }

  async abandon(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Number of keys remembered (expired ones may linger until the next sweep). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + 1_000;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
