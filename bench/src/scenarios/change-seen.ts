/**
 * One timed change, as a scale child process sees it: arm the expectation, tell the parent (which then makes the
 * change), and report when the callback saw it with what the main thread, the worker and the thread boundary spent
 * meanwhile. Shared by the children of the scale scenario (scale-child.ts, services-child.ts).
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { ParentChannel } from '../child-ipc.js';
import { memory } from '../memory.js';
import type { MemorySample, ScaleFromChild, ScaleToChild } from './scale-protocol.js';

/** What a loaded client tells of its costs (zkit's worker and boundary; null for the direct client). */
export interface ChangeMeters {
  crossed(): { bytes: number; messages: number } | null;
  workerElu(since?: EventLoopUtilization): EventLoopUtilization | null;
}

/** A client a scale child loaded: what it cost, and how to end it. */
export interface LoadedClient extends ChangeMeters {
  /** Memory once connected, before anything was registered or loaded. */
  readonly connectedMemory: MemorySample;
  /** Live heap of zkit's worker thread (null for the direct client); read last, since reading it allocates. */
  workerHeap(): Promise<number | null>;
  readonly registerMs: number | null;
  readonly loadMs: number;
  readonly loadBytes: number | null;
  close(): Promise<void>;
}

type Channel = ParentChannel<ScaleToChild, ScaleFromChild>;

/**
 * A scale child's life: load the client, tell the parent what that cost, answer its changes (`changes`) until it
 * says exit, close.
 */
export async function runScaleChild<Loaded extends LoadedClient>(
  load: () => Promise<Loaded>,
  changes: (parent: Channel, loaded: Loaded) => Promise<void>,
): Promise<void> {
  await ParentChannel.run<ScaleToChild, ScaleFromChild>(async (parent) => {
    const baseline = memory();
    const loaded = await load();
    await parent.send({
      type: 'loaded',
      registerMs: loaded.registerMs,
      loadMs: loaded.loadMs,
      loadBytes: loaded.loadBytes,
      memory: {
        baseline,
        connected: loaded.connectedMemory,
        loaded: memory(),
        workerHeap: await loaded.workerHeap(),
      },
    });
    await changes(parent, loaded);
    await loaded.close();
  });
}

const CHANGE_TIMEOUT_MS = 10_000;

/** `expect(seen)` arms the client so that it calls `seen` in the callback that shows the change. */
export async function reportChangeSeen(
  parent: Channel,
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
