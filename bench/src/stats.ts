/** Latency statistics shared by every scenario. Samples are in microseconds unless a caller says otherwise. */

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Nearest-rank percentile of sorted samples: always a value that was really observed (no interpolation), so a
 * p99 over 2,000 samples is the 1,980th smallest, not a blend of two.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function sortedCopy(samples: readonly number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = sortedCopy(samples);
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sum / sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

export function median(values: readonly number[]): number {
  return percentile(sortedCopy(values), 50);
}

/** Microseconds since an arbitrary origin; monotonic. */
export function nowUs(): number {
  return performance.now() * 1000;
}

/**
 * Nanoseconds on CLOCK_MONOTONIC, which Linux shares between processes: a child process's timestamp can be
 * compared with its parent's (performance.now() cannot: each process and thread has its own origin).
 */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}
