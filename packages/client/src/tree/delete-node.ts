import { isZkError, type MultiOp, TREE_DELETE_ATTEMPTS, zkError } from '@zkit/protocol';
import type { AbortableCalls, CallOptions } from '../thread/abortable.js';
import { applyInBatches } from './batches.js';
import { type DeleteResult, planDelete } from './delete-plan.js';

export interface DeleteOptions extends CallOptions {
  /** Delete the node's whole subtree too. @default false */
  readonly recursive?: boolean;
  /** Delete ephemeral nodes (another process's registrations) and the nodes above them too. @default false */
  readonly force?: boolean;
  /** Only report what would be deleted. @default false */
  readonly dryRun?: boolean;
}

const NOTHING: DeleteResult = { deleted: [], spared: [] };

/**
 * Deletes `path` (with its subtree when `recursive`), sparing ephemeral nodes and their ancestors unless `force`;
 * a node already gone is no error. A subtree that changes meanwhile (a child added, a node deleted) is read again,
 * a few times. Resolves with what was deleted (with `dryRun`: what would be) and what was spared.
 */
export async function deleteNode(
  calls: AbortableCalls,
  path: string,
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  const force = options.force === true;
  const dryRun = options.dryRun === true;
  if (path === '/') throw zkError('INVALID_PATH', 'the root node cannot be deleted', { path });
  if (options.recursive !== true) return deleteOne(calls, path, { force, dryRun, signal: options.signal });
  const deleted: string[] = [];
  for (let attempt = 1; ; attempt++) {
    let tree: Awaited<ReturnType<typeof readAll>>;
    try {
      tree = await readAll(calls, path, options.signal);
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return { deleted, spared: [] };
      throw error;
    }
    const plan = planDelete(tree, path, force);
    if (dryRun) return plan;
    const ops = plan.deleted.map((at): MultiOp => ({ op: 'delete', path: at, version: -1 }));
    let done = 0;
    try {
      await applyInBatches(calls, ops, {
        signal: options.signal,
        onProgress: (count) => {
          done = count;
        },
        what: 'delete',
      });
      return { deleted: [...deleted, ...plan.deleted], spared: plan.spared };
    } catch (error) {
      deleted.push(...plan.deleted.slice(0, done));
      const raced = isZkError(error, 'NOT_EMPTY') || isZkError(error, 'NO_NODE');
      if (!raced || attempt >= TREE_DELETE_ATTEMPTS) throw error;
    }
  }
}

function readAll(calls: AbortableCalls, path: string, signal: AbortSignal | undefined) {
  return calls.run(signal, (api, call) => api.readTree(path, [], call));
}

async function deleteOne(
  calls: AbortableCalls,
  path: string,
  options: { force: boolean; dryRun: boolean; signal: AbortSignal | undefined },
): Promise<DeleteResult> {
  const { signal } = options;
  if (options.force && !options.dryRun) {
    await calls.run(signal, (api, call) => api.delete(path, call));
    return { deleted: [path], spared: [] };
  }
  const listing = await calls.run(signal, (api, call) => api.listChildren(path, call));
  if (listing === null) return NOTHING;
  if (!options.force && listing.stat.ephemeralOwner !== null)
    return { deleted: [], spared: [{ path, reason: 'ephemeral' }] };
  if (listing.children.length > 0)
    throw zkError('NOT_EMPTY', `the node has children (${path}): delete it with recursive`, { path });
  if (!options.dryRun) await calls.run(signal, (api, call) => api.delete(path, call));
  return { deleted: [path], spared: [] };
}
