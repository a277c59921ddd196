import { joinPath, type WireTreeNode } from '@zkit/protocol';
import { splitNodeData } from './node-data.js';
import type { TreeNode } from './tree-model.js';

/**
 * A subtree as the worker read it, as a TreeNode: links split from properties, `ephemeral` and `version` kept.
 * Ephemeral nodes are left out unless `ephemeral`; undefined when that leaves out the root itself.
 */
export function fromWire(wire: WireTreeNode, ephemeral: boolean): TreeNode | undefined {
  const isEphemeral = wire.ephemeralOwner !== null;
  if (isEphemeral && !ephemeral) return undefined;
  const children = wire.children
    .map((child) => fromWire(child, ephemeral))
    .filter((child) => child !== undefined);
  return {
    name: wire.name,
    ...splitNodeData(wire.properties),
    children,
    ephemeral: isEphemeral,
    version: wire.version,
  };
}

/** Every node of `tree` by its absolute path, `tree` itself being at `path`; parents before children. */
export function byPath(tree: TreeNode, path: string): Map<string, TreeNode> {
  const nodes = new Map<string, TreeNode>();
  const visit = (node: TreeNode, at: string) => {
    nodes.set(at, node);
    for (const child of node.children) visit(child, joinPath(at, child.name));
  };
  visit(tree, path);
  return nodes;
}
