import { abortedError } from './errors.js';

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

/** A policy that never gives up: what zkit's own loops use (the session, placement, the worker, the plugin). */
export type EndlessRetryPolicy = (attempt: number) => number;

/** Backoff options without an attempt limit. */
export type EndlessBackoffOptions = Omit<BackoffOptions, 'attempts'> & { readonly attempts?: undefined };

/**
 * Exponential backoff with full jitter (a uniform wait between 0 and the doubling ceiling): many processes that
 * lost the same ensemble at once must not come back in lockstep and stampede it. Full rather than equal jitter
 * spreads them widest for the same mean wait (the "Exponential Backoff And Jitter" analysis, AWS 2015).
 * Without `attempts` it never gives up, and its type says so.
 */
export function exponentialBackoff(
  options?: EndlessBackoffOptions,
  random?: () => number,
): EndlessRetryPolicy;
export function exponentialBackoff(options: BackoffOptions, random?: () => number): RetryPolicy;
export function exponentialBackoff(
  options: BackoffOptions | EndlessBackoffOptions = {},
  random: () => number = Math.random,
): RetryPolicy {
  const { initial = 100, max = 5000, attempts = Number.POSITIVE_INFINITY } = options;
  return (attempt) => {
    if (attempt > attempts) return null;
    const ceiling = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
    return Math.round(random() * ceiling);
  };
}

/** A timer that never keeps the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** `delay`, given up (ABORTED) as soon as `signal` fires; the timer is cleared then. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms).unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
