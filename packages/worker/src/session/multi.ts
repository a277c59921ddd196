import type { MultiOp } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { toZkError } from '../nzc/exceptions.js';
import { setLastOpVersion } from '../nzc/transaction-version.js';
import { type Client, toAcl } from './ops.js';

/** node-zookeeper-client's per-operation result of a transaction: `err` is set on the results of a failed one. */
interface OpResult {
  readonly err?: number;
}

/**
 * Applies `ops` in one ZooKeeper transaction. A refused transaction rejects with the code of the operation that
 * failed, and that operation's path (node-zookeeper-client's own error names neither the operation nor the path).
 */
export function multi(client: Client, ops: readonly MultiOp[]): Promise<void> {
  const transaction = client.transaction();
  for (const op of ops) {
    switch (op.op) {
      case 'create':
        transaction.create(op.path, Buffer.from(op.data), toAcl(op.acl), zookeeper.CreateMode.PERSISTENT);
        break;
      case 'set':
        setLastOpVersion(transaction.setData(op.path, Buffer.from(op.data), op.version), op.version);
        break;
      case 'delete':
        setLastOpVersion(transaction.remove(op.path, op.version), op.version);
        break;
      case 'check':
        setLastOpVersion(transaction.check(op.path, op.version), op.version);
        break;
      default:
        op satisfies never;
    }
  }
  return new Promise((resolve, reject) => {
    transaction.commit((error: unknown, results?: readonly OpResult[]) => {
      if (!error) return resolve();
      // ZooKeeper answers OK for the operations before the one refused, and its code for that one.
      const failed = results?.findIndex((result) => typeof result.err === 'number' && result.err !== 0) ?? -1;
      reject(toZkError(error, ops[failed]?.path ?? ops[0]?.path ?? '/'));
    });
  });
}
