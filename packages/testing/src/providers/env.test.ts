import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZooKeeperHandle } from '../handle.js';
import { type Observer, openObserver } from '../observer.js';
import { freePorts } from '../ports.js';
import { startZooKeeper } from '../start.js';
import { parseConnectString } from './env.js';

describe('parseConnectString', () => {
  it('splits servers and chroot', () => {
    expect(parseConnectString('a:1,b:2')).toEqual({ addresses: ['a:1', 'b:2'], chroot: '' });
    expect(parseConnectString(' a:1 , b:2/ci/run/')).toEqual({
      addresses: ['a:1', 'b:2'],
      chroot: '/ci/run',
    });
    expect(() => parseConnectString('/only-root')).toThrow(TypeError);
    expect(() => parseConnectString('a')).toThrow(TypeError);
  });
});

describe('the env provider (ZK_CONNECT)', () => {
  // An "existing ensemble", started locally to stand for the one ZK_CONNECT would name.
  let existing: ZooKeeperHandle;
  let admin: Observer;

  beforeAll(async () => {
    existing = await startZooKeeper({ provider: 'local' });
    admin = await openObserver(existing.connectionString);
  });

  afterAll(async () => {
    await admin?.close();
    await existing?.stop();
  });

  it('gives each handle its own chroot, created before it resolves and deleted by stop()', async () => {
    const env = { ZK_CONNECT: existing.connectionString };
    const zk = await startZooKeeper({ env });
    expect(zk.provider).toBe('env');
    const chroot = zk.connectionString.slice(existing.connectionString.length);
    expect(chroot).toMatch(/^\/zkit-test-[0-9a-f]{12}$/);
    expect(await admin.exists(chroot)).not.toBeNull();
    expect(zk.servers).toEqual([
      {
        index: 0,
        id: 1,
        host: '127.0.0.1',
        port: existing.servers[0]!.port,
        address: existing.connectionString,
        running: true,
      },
    ]);

    await using user = await openObserver(zk.connectionString);
    await user.create('/inside', 'x');
    expect((await admin.getData(`${chroot}/inside`)).data?.toString()).toBe('x');
    await user.close();

    const other = await startZooKeeper({ env, provider: 'env' });
    expect(other.connectionString).not.toBe(zk.connectionString);
    await other.stop();

    await zk.stop();
    await zk.stop();
    expect(await admin.exists(chroot)).toBeNull();
  });

  it('nests its chroot under one given in ZK_CONNECT', async () => {
    await using zk = await startZooKeeper({ env: { ZK_CONNECT: `${existing.connectionString}/ci/job-1` } });
    expect(zk.connectionString).toMatch(/\/ci\/job-1\/zkit-test-[0-9a-f]{12}$/);
    const chroot = zk.connectionString.slice(existing.connectionString.length);
    expect(await admin.exists(chroot)).not.toBeNull();
  });

  it('finds the leader through srvr, and refuses kill/restart with NOT_SUPPORTED', async () => {
    await using zk = await startZooKeeper({ env: { ZK_CONNECT: existing.connectionString } });
    expect(await zk.leader()).toBe(0);
    await expect(zk.kill(0)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(zk.restart(0)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('fails within startTimeout when ZK_CONNECT does not answer', async () => {
    const [port] = await freePorts(1);
    await expect(
      startZooKeeper({ env: { ZK_CONNECT: `127.0.0.1:${port}` }, startTimeout: 500 }),
    ).rejects.toMatchObject({
      code: 'START_TIMEOUT',
      message: expect.stringContaining('did not answer within 500 ms'),
    });
  }, 3000);

  it('does not offer ZK_CONNECT for servers: 3, which needs servers a test can kill', async () => {
    const error = await startZooKeeper({
      servers: 3,
      provider: 'env',
      env: { ZK_CONNECT: existing.connectionString },
    }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({
      code: 'ZOOKEEPER_UNAVAILABLE',
      message: expect.stringContaining('servers: 3'),
    });
  });
});
