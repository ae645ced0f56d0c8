// Retries with backoff and a maximum of attempts, shared by surveys and callbacks (issue 6; the
// Amazon Connect callback model: MaximumConnectionAttempts, RetryDelaySeconds).

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; each later one multiplies it by `factor`, up to maxDelayMs. */
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

/** Delay after the `attemptsMade`-th attempt failed (1 → firstDelayMs). */
export function retryDelayMs(p: RetryPolicy, attemptsMade: number): number {
  const n = Math.max(1, attemptsMade);
  return Math.min(p.maxDelayMs, Math.round(p.firstDelayMs * p.factor ** (n - 1)));
}

export function attemptsLeft(p: RetryPolicy, attemptsMade: number): boolean {
  return attemptsMade < p.maxAttempts;
}
