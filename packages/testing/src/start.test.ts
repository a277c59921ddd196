import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TestingError, ZooKeeperUnavailableError } from './errors.js';
import { srvr } from './four-letter.js';
import { openObserver } from './observer.js';
import { probeContainerRuntime } from './providers/testcontainers.js';
import { startZooKeeper } from './start.js';
import { serverDirOf } from './test-support/processes.js';

describe('startZooKeeper with the local jar', () => {
  it('starts a standalone server that serves, and stop() removes its process and data dir', async () => {
    const zk = await startZooKeeper({ provider: 'local' });
    expect(zk.provider).toBe('local');
    expect(zk.servers).toEqual([
      {
        index: 0,
        id: 1,
        host: '127.0.0.1',
        port: expect.any(Number),
        address: zk.connectionString,
        running: true,
      },
    ]);
    expect(await srvr(zk.connectionString)).toMatchObject({ serving: true, mode: 'standalone' });
    expect(await zk.leader()).toBe(0);

    await using observer = await openObserver(zk.connectionString);
    await observer.create('/hello', 'world');
    expect((await observer.getData('/hello')).data?.toString()).toBe('world');
    await observer.close();

    const dir = serverDirOf(zk.servers[0]!.port);
    expect(dir !== undefined && existsSync(dir)).toBe(true);
    await zk.stop();
    expect(zk.servers[0]!.running).toBe(false);
    expect(serverDirOf(zk.servers[0]!.port)).toBeUndefined();
    expect(existsSync(dir!)).toBe(false);
    await expect(srvr(zk.connectionString)).rejects.toMatchObject({ code: 'FOUR_LETTER_WORD_FAILED' });
    await zk.stop(); // idempotent
  });

  it('kills and restarts a standalone server on the same port, keeping its data', async () => {
    await using zk = await startZooKeeper({ provider: 'local' });
    await using observer = await openObserver(zk.connectionString);
    await observer.create('/kept', 'yes');
    await observer.close();

    await zk.kill(0);
    expect(zk.servers[0]!.running).toBe(false);
    await expect(srvr(zk.connectionString)).rejects.toMatchObject({ code: 'FOUR_LETTER_WORD_FAILED' });

    await zk.restart(0);
    expect(zk.servers[0]!.running).toBe(true);
    await using again = await openObserver(zk.connectionString);
    expect((await again.getData('/kept')).data?.toString()).toBe('yes');
  });

  it('rejects kill/restart of a server index that does not exist with BAD_INDEX', async () => {
    await using zk = await startZooKeeper({ provider: 'local' });
    await expect(zk.kill(1)).rejects.toMatchObject({ code: 'BAD_INDEX' });
    await expect(zk.restart(-1)).rejects.toMatchObject({ code: 'BAD_INDEX' });
    await zk.stop();
    await expect(zk.kill(0)).rejects.toMatchObject({ code: 'STOPPED' });
  });

  it('rejects options ZooKeeper could not honour before starting anything', async () => {
    await expect(startZooKeeper({ minSessionTimeout: 5000, maxSessionTimeout: 1000 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });
});

// A machine with a container runtime is not bare: there the 'auto' provider would rightly start a container.
const runtime = await probeContainerRuntime();

describe('startZooKeeper on a bare machine', () => {
  it.skipIf(runtime.available)(
    'rejects with ZOOKEEPER_UNAVAILABLE, without hanging, and says how to get one (runs only without a container runtime)',
    async () => {
      const error = await startZooKeeper({ env: { PATH: '/nonexistent' }, provider: 'auto' }).then(
        () => expect.unreachable('a ZooKeeper was found'),
        (e: unknown) => e as ZooKeeperUnavailableError,
      );
      expect(error.name).toBe('ZooKeeperUnavailableError');
      expect(error.code).toBe('ZOOKEEPER_UNAVAILABLE');
      expect(error.attempts.map((a) => a.provider)).toEqual(['env', 'local', 'container']);
      expect(error.message).toContain('ZK_CONNECT is not set');
      expect(error.message).toContain('java is not on PATH=/nonexistent');
      expect(error.message).toContain('no container runtime');
      expect(error.message).toContain('apt-get install -y --no-install-recommends zookeeper');
      expect(error.message).toContain('ZOOKEEPER_HOME=');
      expect(error.message).toContain('ZK_CONNECT=host:port');
    },
    3000,
  );

  it('reports a JAVA_HOME without java rather than looking elsewhere', async () => {
    const error = (await startZooKeeper({
      env: { JAVA_HOME: '/nonexistent', PATH: '/usr/bin' },
      provider: 'local',
    }).catch((e: unknown) => e)) as TestingError;
    expect(error.code).toBe('ZOOKEEPER_UNAVAILABLE');
    expect(error.message).toContain('JAVA_HOME=/nonexistent has no executable bin/java');
  });

  it('asks for servers: 3 from the container provider with a clear reason', async () => {
    const error = (await startZooKeeper({ servers: 3, provider: 'container' }).catch(
      (e: unknown) => e,
    )) as TestingError;
    expect(error.code).toBe('ZOOKEEPER_UNAVAILABLE');
    expect(error.message).toContain('single server only');
  });
});
