import { zkError } from './errors.js';
import type { JsonObject } from './messages.js';
import { joinPath, splitPath, validatePath } from './paths.js';

/** One read of a node for resolvePath: whether it exists and, when it does, its properties (its JSON data). */
export interface ResolveRead {
  readonly exists: boolean;
  readonly properties: JsonObject;
}

/** Reads one node; `exists: false` when there is none (not an error). */
export type ResolveReader = (path: string) => Promise<ResolveRead>;

/** The suffix of the property that holds a symbolic link: `"name ->"` on the node that contains `name`. */
const LINK_SUFFIX = ' ->';

/**
 * `path` with `.` and `..` segments worked out (`..` above the root stays at the root, as POSIX does), validated.
 * Throws INVALID_PATH.
 */
export function normalizePath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) return validatePath(path);
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return validatePath(`/${segments.join('/')}`);
}

/**
 * zc.zk's `resolve`: the path of the node `path` names, following symbolic links. `.` and `..` are normalized; a
 * node that exists is its own answer (so a real child shadows a link of the same name); otherwise the parent is
 * resolved and its `"name ->"` property followed (a relative target is relative to the parent), recursively.
 * Rejects NO_NODE when nothing is there, INVALID_PATH for a link loop (the message shows it). A path with no links costs
 * one read.
 */
export async function resolvePath(read: ResolveReader, path: string): Promise<string> {
  const asked = normalizePath(path);
  return (await resolveNode(read, asked, { asked, followed: [] })).path;
}

interface Chain {
  /** The path resolvePath was called with, for messages. */
  readonly asked: string;
  /**
   * The links followed to get here, as `parent/name` with the parent resolved: a finite set (one per link
   * property), so a chain that meets one twice is a loop, and every resolution ends.
   */
  readonly followed: readonly string[];
}

interface Resolved {
  readonly path: string;
  readonly properties: JsonObject;
}

async function resolveNode(read: ResolveReader, path: string, chain: Chain): Promise<Resolved> {
  const node = await read(path);
  if (node.exists) return { path, properties: node.properties };
  if (path === '/') throw noNode(chain.asked, path);
  const [parentPath, name] = splitPath(path);
  // Links in the parent's own path are followed with the chain as it is: only this chain's links count as seen.
  const parent = await resolveNode(read, parentPath, chain);
  const child = joinPath(parent.path, name);
  if (child !== path) {
    const real = await read(child);
    if (real.exists) return { path: child, properties: real.properties };
  }
  const key = `${name}${LINK_SUFFIX}`;
  const target = Object.hasOwn(parent.properties, key) ? parent.properties[key] : undefined;
  // A "name ->" property that is no string is no link (node-data.ts reads it the same way).
  if (typeof target !== 'string') throw noNode(chain.asked, child);
  if (chain.followed.includes(child)) {
    const loop = [...chain.followed, child].join(' -> ');
    throw zkError('INVALID_PATH', `symbolic link loop resolving ${chain.asked}: ${loop}`, {
      path: chain.asked,
    });
  }
  const next = normalizePath(target.startsWith('/') ? target : `${parent.path}/${target}`);
  return resolveNode(read, next, { asked: chain.asked, followed: [...chain.followed, child] });
}

function noNode(asked: string, missing: string) {
  const where = missing === asked ? '' : ` (${missing} does not exist)`;
  return zkError('NO_NODE', `${asked} does not exist${where}`, { path: asked });
}
