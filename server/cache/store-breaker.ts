export interface StoreBreakerOptions {
  /** Consecutive store failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker skips the store, in ms. */
  cooldownMs: number;
}

/**
 * Skips a store that keeps failing, so a dead S3 costs requests nothing instead of a timeout
 * each. After the cooldown calls go through again; one more failure reopens it at once, one
 * success closes it.
 */
export interface StoreBreaker {
  allows(): boolean;
  succeeded(): void;
  failed(): void;
  readonly open: boolean;
}

export function createStoreBreaker({ failureThreshold, cooldownMs }: StoreBreakerOptions, now: () => number = Date.now): StoreBreaker {
  let failures = 0;
  let openUntil = 0;
  return {
    allows: () => now() >= openUntil,
    succeeded() {
      failures = 0;
      openUntil = 0;
    },
    failed() {
      failures++;
      if (failures >= failureThreshold) openUntil = now() + cooldownMs;
    },
    get open() {
      return now() < openUntil;
    },
  };
}
