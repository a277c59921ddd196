import { readTree, renderTree } from '@zkit/cli';
import type { Demo } from '../context.js';

/**
 * The fleet as ZooKeeper holds it, drawn by the function behind `zkit tree`: the configuration nodes, and under them
 * each running process's registration, an ephemeral node marked with its owner session and pid.
 */
export async function fleetTree(demo: Demo): Promise<void> {
  demo.out.heading('9. `zkit tree /`: the fleet as ZooKeeper holds it (ephemeral nodes: owner session, pid)');
  const tree = await readTree(demo.zk, '/');
  for (const line of renderTree(tree).split('\n')) demo.out.detail(line);
}
