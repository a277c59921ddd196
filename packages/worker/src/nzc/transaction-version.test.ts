import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { setLastOpVersion } from './transaction-version.js';

describe('setLastOpVersion', () => {
  it('keeps version 0, which node-zookeeper-client turns into -1 (any version)', () => {
    const transaction = zookeeper.createClient('127.0.0.1:1').transaction();
    transaction.setData('/a', Buffer.from('{}'), 0);
    const ops = (transaction as unknown as { ops: { version: number }[] }).ops;
    expect(ops[0]?.version).toBe(-1); // the library's bug, which this works around
    setLastOpVersion(transaction, 0);
    expect(ops[0]?.version).toBe(0);
  });

  it('refuses a transaction whose internals changed', () => {
    expect(() => setLastOpVersion({} as zookeeper.Transaction, 0)).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });
});
