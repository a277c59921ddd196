/** How long to wait before attempt `attempt` (1-based), or null to give up. */
export type RetryPolicy = (attempt: number) => number | null;

/**
 * Exponential backoff with full jitter, never giving up: every plugin of a fleet that lost the same ensemble must
 * not come back in lockstep, and a plugin that stops retrying would leave its host's apps unregistered for good.
 */
export function backoff(initial = 200, max = 10_000, random: () => number = Math.random): RetryPolicy {
  return (attempt) => {
    const ceiling = Math.min(max, initial * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}
