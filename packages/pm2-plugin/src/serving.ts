// Pure: which process serves each pm_id while PM2 restarts or reloads it, so that a node does not go and come back.
//
//   pm2 restart (fork):  online(pid 1) -> stopping -> launching(pid 0) -> online(pid 2)
//                        held: the node keeps pid 1 until pid 2 is online, then takes it in place
//   pm2 reload:          0 online(pid 1) | _old_0 online(pid 1) + 0 launching | _old_0 stopping + 0 online(pid 2)
//                        the parked '_old_' instance serves until its successor is online
//   pm2 stop:            online -> stopping (held) -> stopped: the node goes
import type { ManagedProcess } from './reconcile.js';

/**
 * PM2's states on the way from one process of a pm_id to the next: 'stopping' (killed, maybe by a restart) and
 * 'launching' (started, no pid yet). A crash waits in 'waiting restart' or 'errored', which no node outlives.
 */
const PASSING = new Set(['stopping', 'launching']);

/**
 * One entry per pm_id: the process that serves it now. Its own entry when online; else the `_old_` instance a reload
 * parked, while it is online; else, while PM2 passes from one process to the next, the one that served last
 * (`lastServing`, what this returned before) of the same app. Otherwise the entry as listed (not online: no node).
 */
export function servingProcesses(
  listed: readonly ManagedProcess[],
  lastServing: ReadonlyMap<number, ManagedProcess>,
): ManagedProcess[] {
  const byPmId = new Map<number, { current?: ManagedProcess; parked?: ManagedProcess }>();
  for (const process of listed) {
    const entry = byPmId.get(process.pmId) ?? {};
    if (process.replaced) entry.parked = process;
    else entry.current = process;
    byPmId.set(process.pmId, entry);
  }
  const serving: ManagedProcess[] = [];
  for (const [pmId, { current, parked }] of byPmId) {
    const candidates = [current, parked].filter((process) => process !== undefined);
    const live = candidates.find(isOnline);
    const last = lastServing.get(pmId);
    const held = candidates.some((process) => PASSING.has(process.status) && process.name === last?.name);
    serving.push(live ?? (held ? last! : (current ?? parked!)));
  }
  return serving;
}

/** What `servingProcesses` must be given back next time: the serving ones that are online. */
export function onlineByPmId(serving: readonly ManagedProcess[]): Map<number, ManagedProcess> {
  return new Map(serving.filter(isOnline).map((process) => [process.pmId, process]));
}

function isOnline(process: ManagedProcess): boolean {
  return process.status === 'online' && process.pid > 0;
}
