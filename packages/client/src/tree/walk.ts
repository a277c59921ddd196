import { joinPath, type NodeStat, zkError } from '@zkit/protocol';
import type { AbortableCalls, CallOptions } from '../thread/abortable.js';

export interface WalkOptions extends CallOptions {
  /** Visit ephemeral nodes too. @default true (zc.zk's walk) */
  readonly ephemeral?: boolean;
}

/** One node of a walk. */
export interface WalkNode {
  readonly path: string;
  readonly stat: NodeStat;
  /**
   * The node's children's names, sorted: the walk visits them next, in this order. Remove names (or empty it)
   * before asking for the next node to leave their subtrees out (zc.zk's way to prune a walk).
   */
  readonly children: string[];
}

/**
 * The subtree at `path`, depth first (a node before its children) in sorted order, read one node at a time as the
 * caller asks for it: nodes deleted meanwhile are skipped, nodes added behind the walk are missed. Rejects NO_NODE
 * when `path` does not exist.
 */
export async function* walk(
  calls: AbortableCalls,
  path: string,
  options: WalkOptions = {},
): AsyncGenerator<WalkNode, void, undefined> {
  const ephemeral = options.ephemeral !== false;
  const list = (at: string) => calls.run(options.signal, (api, call) => api.listChildren(at, call));
  const first = await list(path);
  if (first === null) throw zkError('NO_NODE', `the node does not exist (${path})`, { path });
  // Each entry is a path still to visit, or a node already read; the stack keeps the walk's memory to one branch.
  const stack: (string | WalkNode)[] = [{ path, stat: first.stat, children: [...first.children] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    let node: WalkNode;
    if (typeof next === 'string') {
      const listing = await list(next);
      if (listing === null) continue;
      node = { path: next, stat: listing.stat, children: [...listing.children] };
    } else {
      node = next;
    }
    if (!ephemeral && node.stat.ephemeralOwner !== null) continue;
    yield node;
    for (const name of [...node.children].reverse()) stack.push(joinPath(node.path, name));
  }
}
