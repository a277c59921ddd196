import type { ZooKeeper } from '@zkit/client';
import { workerThread } from '@zkit/client/internal';
import { delay, within } from '../sleep.js';

/**
 * A main-thread stall: a busy loop, as a CPU-bound request handler would cause. Timers, I/O and the heartbeat
 * all wait; zkit's worker thread (and its session) does not.
 */
export function busyLoop(ms: number): number {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  return spins;
}

const REPLACE_POLL_MS = 50;

/**
 * Terminates the worker thread that holds the session, as a crash would, and resolves once a new worker serves
 * calls with the session connected. Resolves with why not when that did not happen within `timeoutMs`.
 */
export async function terminateWorker(zk: ZooKeeper, timeoutMs: number): Promise<string | undefined> {
  const old = workerThread(zk);
  if (old === undefined) return 'no live worker to terminate';
  await old.terminate();
  const deadline = Date.now() + timeoutMs;
  let last = 'no new worker yet';
  while (Date.now() < deadline) {
    const current = workerThread(zk);
    if (current !== undefined && current !== old) {
      try {
        // diagnostics() goes through the same queue as every call: it answers once the new worker has
        // taken over the registrations and watches.
        const diagnostics = await within(zk.diagnostics(), Math.max(1, deadline - Date.now()), 'diagnostics');
        if (diagnostics.state === 'connected') return undefined;
        last = `new worker's session is ${diagnostics.state}`;
      } catch (error) {
        last = `diagnostics failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    await delay(REPLACE_POLL_MS);
  }
  return `no replacement worker served within ${timeoutMs} ms (${last})`;
}
