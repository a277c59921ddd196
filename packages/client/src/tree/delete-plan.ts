import { joinPath, type WireTreeNode } from '@zkit/protocol';

/** What a delete did, or would do (dryRun). */
export interface DeleteResult {
  /** Nodes deleted, children before parents. */
  readonly deleted: readonly string[];
  /** Nodes left in place because they are ephemeral or hold an ephemeral node (not with `force`). */
  readonly spared: readonly { path: string; reason: 'ephemeral' | 'ephemeral descendant' }[];
}

/**
 * zc.zk's delete_recursive: every node of `tree` (at `path`), children first, but (unless `force`) not an
 * ephemeral node, nor any node above one: a service's registrations and the nodes that hold them stay.
 */
export function planDelete(tree: WireTreeNode, path: string, force: boolean): DeleteResult {
  const deleted: string[] = [];
  const spared: DeleteResult['spared'][number][] = [];
  const visit = (node: WireTreeNode, at: string): boolean => {
    let kept = false;
    for (const child of node.children) if (!visit(child, joinPath(at, child.name))) kept = true;
    if (!force && node.ephemeralOwner !== null) spared.push({ path: at, reason: 'ephemeral' });
    else if (kept) spared.push({ path: at, reason: 'ephemeral descendant' });
    else {
      deleted.push(at);
      return true;
    }
    return false;
  };
  visit(tree, path);
  return { deleted, spared };
}
