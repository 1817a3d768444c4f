/** Where a key stands when a delivery tries to claim it. */
export type ClaimResult = 'acquired' | 'in-progress' | 'completed';

/**
 * Remembers which idempotency keys were handled. A durable, shared store (Redis) makes handlers
 * effectively-once across workers and restarts; the in-memory one only within one process.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for one delivery for at most `leaseMs`. `completed` when a delivery already
   * finished it, `in-progress` while another holds an unexpired claim.
   */
  begin(key: string, leaseMs: number): Promise<ClaimResult>;
  /** Marks the key handled; duplicates are skipped for `ttlMs`. */
  complete(key: string, ttlMs: number): Promise<void>;
  /** Releases a claim after a failure, so the next delivery runs the handler. */
  abandon(key: string): Promise<void>;
}
