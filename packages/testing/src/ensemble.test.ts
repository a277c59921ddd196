import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { srvr } from './four-letter.js';
import type { ZooKeeperHandle } from './handle.js';
import { openObserver } from './observer.js';
import { startZooKeeper } from './start.js';
import { serverDirOf } from './test-support/processes.js';
import { waitFor } from './wait-for.js';

/** The client addresses of the servers still running: a connection string that avoids the killed ones. */
function survivors(zk: ZooKeeperHandle): string {
  return zk.servers
    .filter((server) => server.running)
    .map((server) => server.address)
    .join(',');
}

describe('a 3-node ensemble from the local jar', { timeout: 60_000 }, () => {
  let zk: ZooKeeperHandle;

  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 3, provider: 'local' });
  }, 60_000);

  afterAll(async () => {
    await zk?.stop();
  });

  it('starts three serving servers, one of them leading', async () => {
    expect(zk.servers.map((server) => server.id)).toEqual([1, 2, 3]);
    expect(zk.connectionString.split(',')).toHaveLength(3);
    const modes = await Promise.all(zk.servers.map(async (server) => srvr(server.address)));
    expect(modes.map((info) => (info.serving ? info.mode : 'not serving')).sort()).toEqual([
      'follower',
      'follower',
      'leader',
    ]);
    const leader = await zk.leader();
    expect(modes[leader]).toMatchObject({ mode: 'leader' });
  });

  it('elects a new leader among the others when the leader is killed, and they serve writes', async () => {
    await using observer = await openObserver(zk.connectionString);
    await observer.create('/before-kill', 'v1');

    const oldLeader = await zk.leader();
    await zk.kill(oldLeader);
    expect(zk.servers[oldLeader]!.running).toBe(false);

    const newLeader = await zk.leader();
    expect(newLeader).not.toBe(oldLeader);
    expect(zk.servers[newLeader]!.running).toBe(true);

    await using survivor = await openObserver(survivors(zk));
    await survivor.create('/after-kill', 'v2');
    expect((await survivor.getData('/before-kill')).data?.toString()).toBe('v1');
    // The first session carried on through another server.
    await waitFor(() => observer.exists('/after-kill'), {
      timeout: 10_000,
      message: '/after-kill via the old session',
    });

    await zk.restart(oldLeader);
    expect(zk.servers[oldLeader]!.running).toBe(true);
    expect(await srvr(zk.servers[oldLeader]!.address)).toMatchObject({ serving: true, mode: 'follower' });
    await using rejoined = await openObserver(zk.servers[oldLeader]!.address);
    expect((await rejoined.getData('/after-kill')).data?.toString()).toBe('v2');
  });

  it('stop() ends every server and removes their data dirs', async () => {
    const ports = zk.servers.map((server) => server.port);
    const dirs = ports.map(serverDirOf);
    expect(dirs.every((dir) => dir !== undefined && existsSync(dir))).toBe(true);
    await zk.stop();
    expect(zk.servers.every((server) => !server.running)).toBe(true);
    expect(dirs.some((dir) => dir !== undefined && existsSync(dir))).toBe(false);
    expect(ports.map(serverDirOf)).toEqual([undefined, undefined, undefined]);
  });
});
