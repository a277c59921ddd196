/**
 * `@zkit/client/internal`: fault injection for tests of zkit and of applications built on it. Not a stable API.
 */
import type { Worker } from 'node:worker_threads';
import { supervisors, type ZooKeeper } from './zookeeper.js';

/** The worker thread that holds `zk`'s session now (undefined while it is being replaced or after close). */
export function workerThread(zk: ZooKeeper): Worker | undefined {
  return supervisors.get(zk)?.thread;
}
