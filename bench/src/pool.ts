/** Bounded ways to run operations: in sequence with timings, or with a fixed number in flight. */

/** Runs `count` operations one after another; returns each one's latency in microseconds. */
export async function timeSequential(count: number, op: (index: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await op(i);
    samples[i] = (performance.now() - start) * 1000;
  }
  return samples;
}

/**
 * Runs `total` operations with at most `inFlight` outstanding; each slot runs its operations one after another
 * so an operation can own per-slot state (a path, an address). Resolves with the elapsed milliseconds.
 */
export async function runInFlight(
  total: number,
  inFlight: number,
  op: (index: number, slot: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  const slot = async (id: number): Promise<void> => {
    for (let index = next++; index < total; index = next++) await op(index, id);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, (_, id) => slot(id)));
  return performance.now() - start;
}

/** Rejects with `what` when `promise` has not settled within `ms`: every wait in the bench is bounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
