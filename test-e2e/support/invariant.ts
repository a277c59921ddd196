// The steps every convergence invariant shares: faults injected at fixed points of a churn, a bounded wait for the
// views to settle, and a failure that says whether what still differs is slow or stuck.
import { waitFor } from '@zkit/testing';
import type { Fault } from './faults.js';
import type { FixtureProcess } from './process.js';

/**
 * Injects `fault` at each of `marks` (counts of the churner's progress lines, one every 250 ms) while the churn
 * lasts; resolves how many it injected.
 */
export async function injectAtMarks(
  churner: FixtureProcess,
  fault: Fault,
  churning: () => boolean,
  { marks, timeout }: { readonly marks: readonly number[]; readonly timeout: number },
): Promise<number> {
  let injected = 0;
  for (const mark of marks) {
    await waitFor(() => !churning() || churner.lines.filter((l) => l.type === 'progress').length >= mark, {
      timeout,
    });
    if (!churning()) break;
    await fault.inject();
    injected++;
  }
  return injected;
}

/** What `find` still reports once it reports nothing or `settleMs` (the invariant's bound) has passed. */
export async function settle<T>(find: () => T[], settleMs: number): Promise<T[]> {
  let found = find();
  const deadline = Date.now() + settleMs;
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    found = find();
  }
  return found;
}

/**
 * Throws `message` when `found` is not empty, adding how many `find` still reports `laterMs` later: slow, or stuck
 * for good? (For the message only: the invariant's bound was settle's.)
 */
export async function failIfAny<T>(
  found: T[],
  find: () => T[],
  message: string,
  laterMs = 5000,
): Promise<void> {
  if (found.length === 0) return;
  await new Promise((resolve) => setTimeout(resolve, laterMs));
  throw new Error(`${message}\n${find().length} of them still differ ${laterMs} ms later`);
}
