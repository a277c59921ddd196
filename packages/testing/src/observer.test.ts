import { isZkError } from '@zkit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZooKeeperHandle } from './handle.js';
import { type Observer, openObserver } from './observer.js';
import { freePorts } from './ports.js';
import { startZooKeeper } from './start.js';
import { uniquePath } from './unique-path.js';
import { waitFor } from './wait-for.js';

let zk: ZooKeeperHandle;
let observer: Observer;

beforeAll(async () => {
  zk = await startZooKeeper({ provider: 'local' });
  observer = await openObserver(zk.connectionString);
});

afterAll(async () => {
  await observer?.close();
  await zk?.stop();
});

describe('Observer', () => {
  it('creates and reads nodes, with undefined data for a node created without any', async () => {
    const path = uniquePath('read');
    expect(await observer.exists(path)).toBeNull();
    expect(await observer.create(path)).toBe(path);
    expect((await observer.getData(path)).data).toBeUndefined();
    await observer.create(`${path}/b`, 'two');
    await observer.create(`${path}/a`, Buffer.from([1, 2]));
    expect(await observer.getChildren(path)).toEqual(['a', 'b']);
    const { data, stat } = await observer.getData(`${path}/b`);
    expect(data?.toString()).toBe('two');
    expect(stat).toMatchObject({
      version: 0,
      dataLength: 3,
      numChildren: 0,
      ephemeralOwner: '0000000000000000',
    });
    expect(typeof stat.mzxid).toBe('bigint');
    expect(stat.ctime).toBeGreaterThan(Date.now() - 60_000);
  });

  it('marks ephemeral nodes with its session id, and they go when it closes', async () => {
    const path = uniquePath('ephemeral');
    const owner = await openObserver(zk.connectionString);
    expect(owner.sessionId).toMatch(/^[0-9a-f]{16}$/);
    await owner.create(path, 'mine', { ephemeral: true });
    expect((await observer.exists(path))?.ephemeralOwner).toBe(owner.sessionId);
    await owner.close();
    await owner.close(); // idempotent
    await waitFor(async () => (await observer.exists(path)) === null, { timeout: 5000 });
  });

  it('creates sequential nodes and updates data with versions', async () => {
    const path = uniquePath('seq');
    await observer.mkdirp(`${path}/deep/er`);
    await observer.mkdirp(`${path}/deep/er`); // an existing node is fine
    const created = await observer.create(`${path}/item-`, 'x', { sequential: true });
    expect(created).toMatch(new RegExp(`^${path}/item-\\d{10}$`));
    const first = await observer.setData(created, 'y');
    expect(first.version).toBe(1);
    await expect(observer.setData(created, 'z', 0)).rejects.toMatchObject({
      code: 'BAD_VERSION',
      path: created,
    });
    const second = await observer.setData(created, null, 1);
    expect(second.mzxid).toBeGreaterThan(first.mzxid);
  });

  it('turns client exceptions into zkit ZkErrors, with the exception name as code', async () => {
    const path = uniquePath('errors');
    await expect(observer.getData(path)).rejects.toMatchObject({
      name: 'NodeError',
      code: 'NO_NODE',
      path,
      message: `the node does not exist (${path})`,
    });
    await expect(observer.getData(path)).rejects.toSatisfy((error) => isZkError(error, 'NO_NODE'));
    await observer.create(path);
    await expect(observer.create(path)).rejects.toMatchObject({ code: 'NODE_EXISTS' });
    await observer.create(`${path}/child`);
    await expect(observer.remove(path)).rejects.toMatchObject({ code: 'NOT_EMPTY' });
    await expect(observer.getData('no-slash')).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_PATH',
    });
  });

  it('reads and sets ACLs', async () => {
    const path = uniquePath('acl');
    await observer.create(path);
    expect(await observer.getAcl(path)).toEqual([{ perms: 31, scheme: 'world', id: 'anyone' }]);
    const readOnly = uniquePath('acl-ro');
    await observer.create(readOnly, 'r', { acl: [{ perms: 1, scheme: 'world', id: 'anyone' }] });
    expect(await observer.getAcl(readOnly)).toEqual([{ perms: 1, scheme: 'world', id: 'anyone' }]);
    await expect(observer.setData(readOnly, 'w')).rejects.toMatchObject({ code: 'NO_AUTH' });
  });

  it('removes a tree recursively, and a missing node is fine', async () => {
    const path = uniquePath('tree');
    await observer.mkdirp(`${path}/a/b/c`);
    await observer.mkdirp(`${path}/d`);
    await observer.removeRecursive(path);
    expect(await observer.exists(path)).toBeNull();
    await observer.removeRecursive(path);
  });

  it('rejects with CONNECT_TIMEOUT when nothing answers, within connectTimeout', async () => {
    const [port] = await freePorts(1);
    await expect(openObserver(`127.0.0.1:${port}`, { connectTimeout: 300 })).rejects.toMatchObject({
      code: 'CONNECT_TIMEOUT',
    });
  }, 3000);

  it('closes promptly even after its server is gone', async () => {
    const own = await startZooKeeper({ provider: 'local' });
    const orphan = await openObserver(own.connectionString);
    await own.stop();
    await settlesWithin(orphan.close(), 3000, 'close() after the server is gone');
    await expect(orphan.exists('/')).rejects.toMatchObject({ code: 'CONNECTION_LOSS' });
  }, 60_000); // a JVM start and stop; only the close is bounded, by settlesWithin
});

/** `promise`, or a rejection if it has not settled within `ms`: a bound on a hang, not a timing assertion. */
async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}
