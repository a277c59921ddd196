/** How long to wait before attempt `attempt` (1-based), or null to give up. */
export type RetryPolicy = (attempt: number) => number | null;

export interface BackoffOptions {
  /** @default 100 */
  readonly initial?: number;
  /** @default 5000 */
  readonly max?: number;
  /** Give up after this many attempts. @default Infinity */
  readonly attempts?: number;
}

/**
 * Exponential backoff with full jitter: many processes that lost the same ensemble at once must not come back in
 * lockstep and stampede it.
 */
export function exponentialBackoff(
  options: BackoffOptions = {},
  random: () => number = Math.random,
): RetryPolicy {
  const { initial = 100, max = 5000, attempts = Number.POSITIVE_INFINITY } = options;
  return (attempt) => {
    if (attempt > attempts) return null;
    const ceiling = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
