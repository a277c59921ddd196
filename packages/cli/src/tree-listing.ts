import { isZkError, type JsonObject, NodeError, validatePath, type ZooKeeper } from '@zkit/client';
import type { Colors } from './output.js';

/** One node of `zkit tree`: its name, and for an ephemeral node who owns it (session, and `pid` when written). */
export interface TreeEntry {
  readonly name: string;
  readonly path: string;
  /** Set on ephemeral nodes: the owning session (16 hex digits) and the `pid` zkit registrations write. */
  readonly ephemeral?: { readonly session: string; readonly pid?: number };
  readonly children: readonly TreeEntry[];
}

export interface ReadTreeOptions {
  /** How many levels below `path` to read. @default Infinity */
  readonly depth?: number;
}

/**
 * Reads the tree under `path` once through `zk.walk` (depth first, sorted, leaving no watch), for `zkit tree` and the
 * demo. `/zookeeper` (the server's own) is left out, as export leaves it out; a node deleted while the walk goes
 * (an ephemeral node of a restarting process) is left out too. Rejects NO_NODE when `path` does not exist.
 */
export async function readTree(
  zk: ZooKeeper,
  path: string,
  options: ReadTreeOptions = {},
): Promise<TreeEntry> {
  const start = validatePath(path);
  const maxDepth = options.depth ?? Number.POSITIVE_INFINITY;
  const read = new Map<string, { children: TreeEntry[] }>();
  let root: TreeEntry | undefined;
  for await (const node of zk.walk(start)) {
    // Pruning is the walk's protocol: the names left in `children` are the ones it visits next.
    const zookeeper = node.path === '/' ? node.children.indexOf('zookeeper') : -1;
    if (zookeeper >= 0) node.children.splice(zookeeper, 1);
    if (depthOf(node.path) - depthOf(start) >= maxDepth) node.children.length = 0;
    const name = node.path === '/' ? '/' : node.path.slice(node.path.lastIndexOf('/') + 1);
    const owner = node.stat.ephemeralOwner;
    const ephemeral = owner === null ? undefined : await ownerOf(zk, node.path, owner);
    const entry = { name, path: node.path, ...(ephemeral === undefined ? {} : { ephemeral }), children: [] };
    read.set(node.path, entry);
    const parent = read.get(node.path.slice(0, node.path.lastIndexOf('/')) || '/');
    if (node.path === start) root = entry;
    else parent?.children.push(entry);
  }
  if (root === undefined) throw new NodeError('NO_NODE', 'the node does not exist', { path: start });
  return root;
}

async function ownerOf(zk: ZooKeeper, path: string, session: string): Promise<TreeEntry['ephemeral']> {
  const data = await zk.get(path).catch((error: unknown): JsonObject => {
    if (isZkError(error) && error.code === 'NO_NODE') return {};
    throw error;
  });
  return typeof data.pid === 'number' ? { session, pid: data.pid } : { session };
}

function depthOf(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/**
 * Draws a tree as `tree(1)` does, one node a line; an ephemeral node is marked with its owner session and pid, so an
 * operator sees which process holds which registration.
 */
export function renderTree(root: TreeEntry, colors?: Colors): string {
  const lines = [label(root, colors)];
  const walk = (entry: TreeEntry, prefix: string) => {
    entry.children.forEach((child, index) => {
      const last = index === entry.children.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${label(child, colors)}`);
      walk(child, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(root, '');
  return lines.join('\n');
}

function label(entry: TreeEntry, colors: Colors | undefined): string {
  const name = entry.children.length > 0 && colors ? colors.bold(entry.name) : entry.name;
  if (entry.ephemeral === undefined) return name;
  const pid = entry.ephemeral.pid === undefined ? '' : ` pid ${entry.ephemeral.pid}`;
  const mark = `[ephemeral session 0x${entry.ephemeral.session}${pid}]`;
  return `${colors ? colors.green(name) : name}  ${colors ? colors.dim(mark) : mark}`;
}
