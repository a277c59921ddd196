// TEMPORARY seam: issue #15's tree functions (parseTree, zk.exportTree, zk.importTree, zk.delete's force and dryRun)
// are being added to @zkit/client alongside this package. Until they are exported, the CLI reaches them here, by
// the shapes agreed for them, and says so plainly when they are missing; once they land this file is re-exports.
import * as client from '@zkit/client';
import { type AclEntry, ZkitError, type ZooKeeper } from '@zkit/client';

export interface ImportPlan {
  readonly added: readonly string[];
  readonly changed: readonly { path: string; before: object; after: object }[];
  readonly links: readonly { path: string; name: string; before?: string; after?: string }[];
  readonly trimmed: readonly string[];
  readonly skipped: readonly { path: string; reason: string }[];
  readonly extra: readonly string[];
}

export interface ImportOptions {
  readonly trim: boolean;
  readonly dryRun: boolean;
  readonly acl?: readonly AclEntry[];
}

export interface RemoveOptions {
  readonly recursive: boolean;
  readonly force: boolean;
  readonly dryRun: boolean;
}

interface TreeClient {
  exportTree(path: string, options: { ephemeral: boolean }): Promise<string>;
  importTree(text: string, path: string, options: ImportOptions): Promise<ImportPlan>;
  walk(path: string): AsyncIterable<unknown>;
  delete(path: string, options: RemoveOptions): Promise<unknown>;
}

interface TreeFormat {
  parseTree(text: string): unknown;
}

export function parseTree(text: string): unknown {
  const format = client as unknown as Partial<TreeFormat>;
  if (typeof format.parseTree !== 'function') throw unavailable('parseTree');
  return format.parseTree(text);
}

export function exportTree(zk: ZooKeeper, path: string, ephemeral: boolean): Promise<string> {
  return treeClient(zk).exportTree(path, { ephemeral });
}

export function importTree(
  zk: ZooKeeper,
  text: string,
  path: string,
  options: ImportOptions,
): Promise<ImportPlan> {
  return treeClient(zk).importTree(text, path, options);
}

/** What `zkit rm` deleted, or would delete (dryRun); undefined when the library does not say. */
export async function remove(
  zk: ZooKeeper,
  path: string,
  options: RemoveOptions,
): Promise<readonly string[] | undefined> {
  // Before issue #15's delete, `force` and `dryRun` would be ignored: a dry run would delete. Refuse instead.
  if (options.force || options.dryRun) {
    const deleted = await treeClient(zk).delete(path, options);
    return Array.isArray(deleted) ? deleted.map(String) : undefined;
  }
  const deleted: unknown = await zk.delete(path, { recursive: options.recursive });
  return Array.isArray(deleted) ? deleted.map(String) : undefined;
}

function treeClient(zk: ZooKeeper): TreeClient {
  const candidate = zk as unknown as Partial<TreeClient>;
  if (typeof candidate.exportTree !== 'function') throw unavailable('zk.exportTree');
  if (typeof candidate.importTree !== 'function') throw unavailable('zk.importTree');
  if (typeof candidate.walk !== 'function') throw unavailable('zk.walk');
  return candidate as TreeClient;
}

function unavailable(name: string): ZkitError<'UNSUPPORTED'> {
  return new ZkitError('UNSUPPORTED', `this @zkit/client has no ${name} yet`);
}
