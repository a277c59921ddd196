import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { srvr } from './four-letter.js';
import type { SecureZooKeeperHandle } from './handle.js';
import { startZooKeeper } from './start.js';
import { serverDirOf } from './test-support/processes.js';
import { RawConnection, startSession } from './test-support/raw-zk.js';

describe('a 3-node TLS ensemble (quorum traffic plain, clients over mutual TLS)', { timeout: 90_000 }, () => {
  let zk: SecureZooKeeperHandle;

  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 3, provider: 'local', tls: true });
  }, 90_000);

  afterAll(async () => {
    await zk?.stop();
  });

  const modes = (): Promise<string[]> =>
    Promise.all(
      zk.servers.map(async (server) => {
        if (!server.running) return 'down';
        const info = await srvr(server.address, { tls: zk.tls.clientOptions });
        return info.serving ? info.mode : 'not serving';
      }),
    );

  it('starts three TLS-only servers that answer over TLS, one leading', async () => {
    expect(zk.servers.map((server) => server.securePort)).toEqual(zk.servers.map((server) => server.port));
    expect(zk.plainConnectionString).toBeUndefined();
    expect((await modes()).sort()).toEqual(['follower', 'follower', 'leader']);
    expect((await modes())[await zk.leader()]).toBe('leader');
  });

  it('elects another leader when the leader is killed, and takes the old one back on restart', async () => {
    const oldLeader = await zk.leader();
    await zk.kill(oldLeader);
    expect(zk.servers[oldLeader]!.running).toBe(false);
    const newLeader = await zk.leader();
    expect(newLeader).not.toBe(oldLeader);

    await zk.restart(oldLeader);
    expect(zk.servers[oldLeader]!.running).toBe(true);
    expect((await modes())[oldLeader]).toBe('follower');
    const connection = await RawConnection.open(zk.servers[oldLeader]!.address, zk.tls.clientOptions);
    try {
      expect(await startSession(connection)).toBeGreaterThan(0n);
    } finally {
      connection.close();
    }
  });

  it('stop() ends every server and removes their dirs and the certificates', async () => {
    const ports = zk.servers.map((server) => server.port);
    const dirs = ports.map(serverDirOf);
    expect(dirs.every((dir) => dir !== undefined && existsSync(dir))).toBe(true);
    const certificates = zk.tls.dir;
    await zk.stop();
    expect(zk.servers.every((server) => !server.running)).toBe(true);
    expect(ports.map(serverDirOf)).toEqual([undefined, undefined, undefined]);
    expect(dirs.some((dir) => existsSync(dir!))).toBe(false);
    expect(existsSync(certificates)).toBe(false);
  });
});
