import { isZkError, type JsonObject, joinPath, NodeError, validatePath, type ZooKeeper } from '@zkit/client';
import type { Colors } from './output.js';

/** One node of `zkit tree`: its name, and for an ephemeral node who owns it (session, and `pid` when written). */
export interface TreeEntry {
  readonly name: string;
  readonly path: string;
  /** Set on ephemeral nodes: the owning session (hex) and the `pid` property zkit registrations write. */
  readonly ephemeral?: { readonly session: string; readonly pid?: number };
  readonly children: readonly TreeEntry[];
}

export interface ReadTreeOptions {
  /** How many levels below `path` to read. @default Infinity */
  readonly depth?: number;
}

/**
 * Reads the tree under `path` once (sorted, leaving no watch), for `zkit tree` and the demo. `/zookeeper` (the
 * server's own) is left out, as export leaves it out. A node deleted while it is read (an ephemeral node of a
 * restarting process) is left out too; rejects NO_NODE only when `path` itself does not exist.
 */
export async function readTree(
  zk: ZooKeeper,
  path: string,
  options: ReadTreeOptions = {},
): Promise<TreeEntry> {
  const root = validatePath(path);
  const entry = await readEntry(zk, root, options.depth ?? Number.POSITIVE_INFINITY);
  if (entry === undefined) throw new NodeError('NO_NODE', 'the node does not exist', { path: root });
  return entry;
}

async function readEntry(zk: ZooKeeper, path: string, depth: number): Promise<TreeEntry | undefined> {
  try {
    const stat = await zk.exists(path);
    if (stat === null) return undefined;
    const name = path === '/' ? '/' : (path.split('/').at(-1) ?? path);
    const names = depth > 0 && stat.numChildren > 0 ? await zk.getChildren(path) : [];
    const shown = path === '/' ? names.filter((n) => n !== 'zookeeper') : names;
    const read = await Promise.all(shown.map((child) => readEntry(zk, joinPath(path, child), depth - 1)));
    const children = read.filter((child): child is TreeEntry => child !== undefined);
    if (stat.ephemeralOwner === null) return { name, path, children };
    const pid = pidOf(await zk.get(path));
    return {
      name,
      path,
      ephemeral: pid === undefined ? { session: stat.ephemeralOwner } : { session: stat.ephemeralOwner, pid },
      children,
    };
  } catch (error) {
    if (isZkError(error) && error.code === 'NO_NODE') return undefined;
    throw error;
  }
}

function pidOf(data: JsonObject): number | undefined {
  return typeof data.pid === 'number' ? data.pid : undefined;
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
  const mark = `[ephemeral session ${entry.ephemeral.session}${pid}]`;
  return `${colors ? colors.green(name) : name}  ${colors ? colors.dim(mark) : mark}`;
}
