import { isZkError, type WireTreeNode } from '@zkit/protocol';
import type { AbortableCalls, CallOptions } from '../thread/abortable.js';
import { serializeTree } from './serialize-tree.js';
import { fromWire } from './wire-tree.js';

/** ZooKeeper's own subtree: never exported, never imported into, never trimmed. */
export const ZOOKEEPER_SUBTREE = '/zookeeper';

export interface ExportOptions extends CallOptions {
  /** Include ephemeral nodes (registrations). @default false */
  readonly ephemeral?: boolean;
}

/**
 * The subtree at `path` in zc.zk 2's text format: `/` as its children at the top level, any other node as one
 * top-level node named for it (so importing the text under a new parent re-creates it there). `/zookeeper` is
 * left out. Rejects NO_NODE when `path` does not exist.
 */
export async function exportTree(
  calls: AbortableCalls,
  path: string,
  options: ExportOptions = {},
): Promise<string> {
  const wire = await readTree(calls, path, options.signal);
  const tree = fromWire(wire, options.ephemeral === true);
  return tree === undefined ? '' : serializeTree(tree);
}

/** The subtree at `path` as the worker reads it (every node, ephemeral ones too), less `/zookeeper`. */
export function readTree(
  calls: AbortableCalls,
  path: string,
  signal: AbortSignal | undefined,
): Promise<WireTreeNode> {
  return calls.run(signal, (api, call) => api.readTree(path, [ZOOKEEPER_SUBTREE], call));
}

/** readTree, or undefined when `path` does not exist. */
export async function readTreeIfAny(
  calls: AbortableCalls,
  path: string,
  signal: AbortSignal | undefined,
): Promise<WireTreeNode | undefined> {
  try {
    return await readTree(calls, path, signal);
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) return undefined;
    throw error;
  }
}
