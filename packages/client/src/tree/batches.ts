import { isZkError, type MultiOp, TREE_BATCH, zkError } from '@zkit/protocol';
import type { AbortableCalls } from '../thread/abortable.js';

export interface BatchOptions {
  readonly signal?: AbortSignal | undefined;
  /** Called after each batch that ZooKeeper applied, with the operations applied so far and in all. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Names the whole for error messages: `import`, `delete`. */
  readonly what: string;
}

/**
 * Applies `ops` in order, in ZooKeeper transactions (multi) of at most TREE_BATCH each: a batch is applied whole
 * or not at all, and the batches before a refused one stay applied. A refusal rejects with its own code and path,
 * and a message saying how far the whole got.
 */
export async function applyInBatches(
  calls: AbortableCalls,
  ops: readonly MultiOp[],
  options: BatchOptions,
): Promise<void> {
  let done = 0;
  for (const batch of batches(ops)) {
    try {
      await calls.run(options.signal, (api, call) => api.multi(batch, call));
    } catch (error) {
      if (!isZkError(error) || error.code === 'ABORTED' || error.code === 'CLOSED') throw error;
      const message = `${options.what} stopped after ${done} of ${ops.length} changes (the rest were not written): ${error.message}`;
      throw zkError(error.code, message, { path: error.path, cause: error, zkName: error.zkName });
    }
    done += batch.length;
    options.onProgress?.(done, ops.length);
  }
}

/** `ops` cut into runs that ZooKeeper takes as one request (see TREE_BATCH). */
export function batches(ops: readonly MultiOp[]): MultiOp[][] {
  const all: MultiOp[][] = [];
  let batch: MultiOp[] = [];
  let bytes = 0;
  for (const op of ops) {
    const size = opBytes(op);
    if (batch.length > 0 && (batch.length >= TREE_BATCH.operations || bytes + size > TREE_BATCH.bytes)) {
      all.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(op);
    bytes += size;
  }
  if (batch.length > 0) all.push(batch);
  return all;
}

/** A generous estimate of an operation's share of the request: its path and data as UTF-8, and framing. */
function opBytes(op: MultiOp): number {
  const data = op.op === 'create' || op.op === 'set' ? Buffer.byteLength(op.data) : 0;
  return Buffer.byteLength(op.path) + data + 64;
}
