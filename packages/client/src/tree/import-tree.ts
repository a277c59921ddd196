import { type AclEntry, encodeJsonObject, type JsonObject, type MultiOp, zkError } from '@zkit/protocol';
import type { AbortableCalls, CallOptions } from '../thread/abortable.js';
import { applyInBatches } from './batches.js';
import { readTreeIfAny, ZOOKEEPER_SUBTREE } from './export-tree.js';
import { planImport } from './import-plan.js';
import { nodeData } from './node-data.js';
import { parseTree } from './parse-tree.js';
import type { ImportPlan, TreeNode } from './tree-model.js';
import { byPath, fromWire } from './wire-tree.js';

export interface ImportOptions extends CallOptions {
  /** Delete nodes the text does not have (never ephemeral ones, their ancestors, or top-level ones). @default false */
  readonly trim?: boolean;
  /** Only plan: write nothing, return what the import would do. @default false */
  readonly dryRun?: boolean;
  /** ACL of the nodes the import creates. @default the client's parentAcl */
  readonly acl?: readonly AclEntry[];
  /** Called after each batch written, with the changes written so far and in all (for a progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What importTree needs of the client besides its calls. */
export interface ImportContext {
  readonly calls: AbortableCalls;
  readonly maxDataBytes: number;
  readonly acl: readonly AclEntry[];
}

/**
 * Makes the subtree at `path` what `text` says (zc.zk's import_tree): creates missing nodes, replaces the data of
 * nodes that differ, and with `trim` deletes nodes the text lacks. Every write is a compare-and-set at the version
 * read (a create fails if the node appeared meanwhile), applied in ZooKeeper transactions of a few hundred: a
 * concurrent writer makes the import stop with BAD_VERSION (or NODE_EXISTS, NOT_EMPTY) rather than be overwritten.
 * Resolves with the plan it applied; with `dryRun` writes nothing. A missing `path` is created (with its parents).
 */
export async function importTree(
  context: ImportContext,
  text: string,
  path: string,
  options: ImportOptions = {},
): Promise<ImportPlan> {
  if (path === ZOOKEEPER_SUBTREE || path.startsWith(`${ZOOKEEPER_SUBTREE}/`))
    throw zkError('INVALID_PATH', `ZooKeeper's own ${ZOOKEEPER_SUBTREE} is not imported into`, { path });
  const { calls } = context;
  const desired = parseTree(text);
  const wire = await readTreeIfAny(calls, path, options.signal);
  const existing = wire && fromWire(wire, true);
  const plan = planImport(desired, existing, { trim: options.trim === true, path });
  if (options.dryRun === true) return plan;
  if (wire === undefined) await calls.run(options.signal, (api, call) => api.ensure(path, '{}', call));
  const trees = {
    desired: byPath(desired, path),
    existing: existing ? byPath(existing, path) : new Map<string, TreeNode>(),
  };
  const ops = importOps(plan, trees, context, options.acl);
  await applyInBatches(calls, ops, {
    signal: options.signal,
    onProgress: options.onProgress,
    what: 'import',
  });
  return plan;
}

/** The plan as ZooKeeper operations: creates (parents first), compare-and-set data, deletes (children first). */
function importOps(
  plan: ImportPlan,
  trees: {
    readonly desired: ReadonlyMap<string, TreeNode>;
    readonly existing: ReadonlyMap<string, TreeNode>;
  },
  context: ImportContext,
  acl: readonly AclEntry[] = context.acl,
): MultiOp[] {
  const data = (path: string) => {
    const node = trees.desired.get(path);
    if (!node)
      throw zkError('INTERNAL', `the import plan names ${path}, which the text does not have`, { path });
    return encodeJsonObject(nodeData(node) as JsonObject, context.maxDataBytes, path);
  };
  // A node just created (the import root made above) was read as missing: version 0 is what it has.
  const version = (path: string) => trees.existing.get(path)?.version ?? 0;
  const added = new Set(plan.added);
  const rewritten = new Set([
    ...plan.changed.map((change) => change.path),
    ...plan.links.map((link) => link.path),
  ]);
  return [
    ...plan.added.map((path): MultiOp => ({ op: 'create', path, data: data(path), acl })),
    ...[...rewritten]
      .filter((path) => !added.has(path))
      .map((path): MultiOp => ({ op: 'set', path, data: data(path), version: version(path) })),
    ...plan.trimmed.map((path): MultiOp => ({ op: 'delete', path, version: version(path) })),
  ];
}
