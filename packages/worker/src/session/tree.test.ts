import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import type { Client } from './ops.js';
import { createPersistent } from './tree.js';

// The library builds its exceptions with Exception.create, which @types/node-zookeeper-client does not declare.
const { create: exception } = zookeeper.Exception as unknown as { create(code: number): Error };
const E = zookeeper.Exception;

const zxidBuffer = (value: bigint) => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(value);
  return buffer;
};

/**
 * A server with one client: each reply advances the client's last-seen zxid (node-zookeeper-client keeps it in
 * connectionManager.zxid). `loseNextCreateReply` loses the answer of the next create, applied or refused
 * (CONNECTION_LOSS); `beforeNextCreate` runs just before the server handles it (another session's request).
 */
class FakeServer {
  zxid = 10n;
  readonly nodes = new Map<string, { data: Buffer; czxid: bigint }>([
    ['/', { data: Buffer.alloc(0), czxid: 0n }],
  ]);
  loseNextCreateReply = false;
  beforeNextCreate: (() => void) | undefined;
  readonly connectionManager = { zxid: zxidBuffer(this.zxid) };

  get client(): Client {
    return this as unknown as Client;
  }

  /** Another session creates `path` now. */
  createElsewhere(path: string, data: string): void {
    this.nodes.set(path, { data: Buffer.from(data), czxid: ++this.zxid });
  }

  create(
    path: string,
    data: Buffer,
    _acl: unknown,
    _mode: number,
    done: (error: Error | null) => void,
  ): void {
    this.beforeNextCreate?.();
    this.beforeNextCreate = undefined;
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    let error: Error | null = null;
    if (this.nodes.has(path)) error = exception(E.NODE_EXISTS);
    else if (!this.nodes.has(parent)) error = exception(E.NO_NODE);
    else this.nodes.set(path, { data, czxid: ++this.zxid });
    if (this.loseNextCreateReply) {
      this.loseNextCreateReply = false;
      error = exception(E.CONNECTION_LOSS);
    } else {
      this.connectionManager.zxid = zxidBuffer(this.zxid);
    }
    setImmediate(() => done(error));
  }

  getData(path: string, done: (error: Error | null, data?: Buffer, stat?: object) => void): void {
    const node = this.nodes.get(path);
    this.connectionManager.zxid = zxidBuffer(this.zxid);
    if (!node) {
      setImmediate(() => done(exception(E.NO_NODE)));
      return;
    }
    const stat = { czxid: zxidBuffer(node.czxid), mzxid: zxidBuffer(node.czxid), version: 0 };
    setImmediate(() => done(null, node.data, stat));
  }
}

/** Session.run's retry after a lost connection, reduced to its essence: call the same operation again. */
async function runWithRetry<T>(op: (client: Client) => Promise<T>, client: Client): Promise<T> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await op(client);
    } catch (error) {
      if ((error as { code?: string }).code !== 'CONNECTION_LOSS') throw error;
    }
  }
  throw new Error('too many attempts');
}

describe('createPersistent (ensure)', () => {
  it('reports true for a node it created whose reply was lost, when the retry finds it there', async () => {
    const server = new FakeServer();
    server.loseNextCreateReply = true;
    const created = await runWithRetry(createPersistent('/a', Buffer.from('{"x":1}'), []), server.client);
    expect(created).toBe(true);
  });

  it('reports false for a node another session created, even after a lost connection', async () => {
    const server = new FakeServer();
    server.createElsewhere('/a', '{"x":1}');
    const attempt = createPersistent('/a', Buffer.from('{"x":1}'), []);
    expect(await runWithRetry(attempt, server.client)).toBe(false);
  });

  it('reports false when a lost create was refused because another session created the node first', async () => {
    const server = new FakeServer();
    server.beforeNextCreate = () => server.createElsewhere('/a', '{"theirs":1}');
    server.loseNextCreateReply = true;
    expect(await runWithRetry(createPersistent('/a', Buffer.from('{"mine":1}'), []), server.client)).toBe(
      false,
    );
  });

  it('creates missing parents, and reports only the node itself', async () => {
    const server = new FakeServer();
    expect(await runWithRetry(createPersistent('/a/b/c', Buffer.from('{}'), []), server.client)).toBe(true);
    expect([...server.nodes.keys()].sort()).toEqual(['/', '/a', '/a/b', '/a/b/c']);
    expect(await runWithRetry(createPersistent('/a/b', Buffer.from('{}'), []), server.client)).toBe(false);
  });
});
