// Pure: which process serves each pm_id while PM2 restarts or reloads it, so that a node does not go and come back.
//
//   pm2 restart (fork):  online(pid 1) -> stopping -> [stopped, ~100 ms] -> launching(pid 0) -> online(pid 2)
//                        held: the node keeps pid 1 until pid 2 is online, then takes it in place
//   pm2 reload:          0 online(pid 1) | _old_0 online(pid 1) + 0 launching | _old_0 stopping + 0 online(pid 2)
//                        the parked '_old_' instance serves until its successor is online
//   pm2 stop:            online -> stopping (held) -> stopped (held `restartGrace` ms: a restart looks the same
//                        until it launches) -> the node goes
import type { ManagedProcess } from './reconcile.js';

/** PM2's states on the way from one process of a pm_id to the next, held without a bound. */
const PASSING = new Set(['stopping', 'launching']);

/** What served a pm_id last: `servingProcesses` is given back its `next`. */
export interface Served {
  readonly process: ManagedProcess;
  /** When PM2 was first seen listing the pm_id 'stopped' since (ms): held `restartGrace` from then. */
  readonly stoppedAt?: number;
}

export interface Serving {
  /** One entry per pm_id, in list order. */
  readonly serving: ManagedProcess[];
  /** To be given back next time. */
  readonly next: Map<number, Served>;
  /** In how many ms a hold of a stopped process ends (a sync is due then), if one is running. */
  readonly holdEndsIn: number | undefined;
  /** The pm_ids served by a process PM2 no longer runs as such (held): not the sender of a fresh announcement. */
  readonly held: Set<number>;
}

/**
 * The process that serves each pm_id now: its own entry when online; else the `_old_` instance a reload parked, while
 * online; else, while PM2 passes from one process to the next, the one that served last of the same app ('stopping'
 * and 'launching' as long as they last, 'stopped' for `restartGrace` ms, which a restart passes through for about
 * PM2's kill check interval). Otherwise the entry as listed (not online: no node). A crash (waiting restart, errored)
 * holds nothing.
 */
export function servingProcesses(
  listed: readonly ManagedProcess[],
  last: ReadonlyMap<number, Served>,
  now: number,
  restartGrace: number,
): Serving {
  const byPmId = new Map<number, { current?: ManagedProcess; parked?: ManagedProcess }>();
  for (const process of listed) {
    const entry = byPmId.get(process.pmId) ?? {};
    if (process.replaced) entry.parked = process;
    else entry.current = process;
    byPmId.set(process.pmId, entry);
  }
  const serving: ManagedProcess[] = [];
  const next = new Map<number, Served>();
  const held = new Set<number>();
  let holdEndsIn: number | undefined;
  for (const [pmId, { current, parked }] of byPmId) {
    const candidates = [current, parked].filter((process) => process !== undefined);
    const listedOne = current ?? parked!;
    const live = candidates.find(isOnline);
    if (live !== undefined) {
      serving.push(live);
      next.set(pmId, { process: live });
      continue;
    }
    const served = last.get(pmId);
    const sameApp =
      served !== undefined && candidates.some((process) => process.name === served.process.name);
    if (!sameApp) {
      serving.push(listedOne);
      continue;
    }
    if (candidates.some((process) => PASSING.has(process.status))) {
      held.add(pmId);
      serving.push(served.process);
      next.set(pmId, { process: served.process });
      continue;
    }
    const stoppedAt = served.stoppedAt ?? now;
    const left = stoppedAt + restartGrace - now;
    if (candidates.some((process) => process.status === 'stopped') && left > 0) {
      held.add(pmId);
      serving.push(served.process);
      next.set(pmId, { process: served.process, stoppedAt });
      holdEndsIn = Math.min(holdEndsIn ?? left, left);
      continue;
    }
    serving.push(listedOne);
  }
  return { serving, next, holdEndsIn, held };
}

function isOnline(process: ManagedProcess): boolean {
  return process.status === 'online' && process.pid > 0;
}
