/**
 * One timed change, as a scale child process sees it: arm the expectation, tell the parent (which then makes the
 * change), and report when the callback saw it with what the main thread, the worker and the thread boundary spent
 * meanwhile. Shared by the children of the scale scenario (scale-child.ts, services-child.ts).
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import type { ParentChannel } from '../child-ipc.js';
import type { ScaleFromChild, ScaleToChild } from './scale-protocol.js';

/** What a loaded client tells of its costs (zkit's worker and boundary; null for the direct client). */
export interface ChangeMeters {
  crossed(): { bytes: number; messages: number } | null;
  workerElu(since?: EventLoopUtilization): EventLoopUtilization | null;
}

const CHANGE_TIMEOUT_MS = 10_000;

/** `expect(seen)` arms the client so that it calls `seen` in the callback that shows the change. */
export async function reportChangeSeen(
  parent: ParentChannel<ScaleToChild, ScaleFromChild>,
  meters: ChangeMeters,
  expect: (seen: () => void) => void,
  what: string,
): Promise<void> {
  let seenAt: bigint | undefined;
  let elu: EventLoopUtilization | undefined;
  const seen = new Promise<void>((resolve) =>
    expect(() => {
      seenAt = process.hrtime.bigint();
      elu = performance.eventLoopUtilization(elu);
      resolve();
    }),
  );
  meters.crossed();
  await parent.send({ type: 'armed' });
  elu = performance.eventLoopUtilization();
  const workerElu = meters.workerElu();
  await Promise.race([seen, timeout(what)]);
  const crossed = meters.crossed();
  const workerBusy = workerElu ? meters.workerElu(workerElu) : null;
  await parent.send({
    type: 'seen',
    atNs: String(seenAt),
    busyUs: (elu?.active ?? 0) * 1000,
    workerBusyUs: workerBusy ? workerBusy.active * 1000 : null,
    bytes: crossed?.bytes ?? null,
    messages: crossed?.messages ?? null,
  });
}

function timeout(what: string): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timed out: ${what}`)), CHANGE_TIMEOUT_MS).unref(),
  );
}
