import { zkError } from '@zkit/protocol';
import type { Transaction } from 'node-zookeeper-client';

/**
 * node-zookeeper-client 1.1.3's Transaction takes a version as `version || -1`, so version 0 (a node never written
 * since it was created: most nodes) becomes -1, "any version", and a compare-and-set silently stops comparing. This
 * puts the version back on the operation just added (the transaction keeps its operations in `ops`, each with a
 * `version`); library internals that changed are an error, never a silent overwrite.
 */
export function setLastOpVersion(transaction: Transaction, version: number): void {
  const ops = (transaction as unknown as { ops?: { version?: unknown }[] }).ops;
  const last = Array.isArray(ops) ? ops.at(-1) : undefined;
  if (last === undefined || typeof last.version !== 'number')
    throw zkError(
      'INTERNAL',
      "node-zookeeper-client's Transaction changed: cannot set an operation's version",
    );
  last.version = version;
}
