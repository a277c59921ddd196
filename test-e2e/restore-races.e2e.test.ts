import { workerThread } from '@zkit/client/internal';
import { startProxy, waitFor } from '@zkit/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { capturingLogger, client, observer, root, zkConnect } from './support/harness.js';

/** The shared server behind a proxy of the test's own, whose connections the test can drop. */
async function proxied(): Promise<{ connectString: string; drop(): void }> {
  const [hosts = '', ...chroot] = zkConnect().split('/');
  const proxy = await startProxy(hosts.split(',')[0] ?? '');
  onTestFinished(() => proxy.close());
  return { connectString: [proxy.connectString, ...chroot].join('/'), drop: () => proxy.dropConnections() };
}

/** Looks for a bounded while that `path` stays absent. */
async function staysAbsent(obs: Awaited<ReturnType<typeof observer>>, path: string): Promise<void> {
  for (let look = 0; look < 20; look++) {
    expect(await obs.exists(path)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('registrations racing a restore', () => {
  it('unregister() right after a worker replacement leaves no node, though the session still held it', async () => {
    const zk = await client({ sessionTimeout: 10_000 });
    const obs = await observer();
    const registration = await zk.registerServer(`${root('race-unregister')}/servers`, ['127.0.0.1', 8080]);
    const owner = zk.sessionId;

    // The new worker resumes the session, which still holds the node, and restores the registration over it.
    await workerThread(zk)?.terminate();
    await registration.unregister();

    expect(zk.sessionId).toBe(owner);
    await staysAbsent(obs, registration.path);
    expect((await zk.diagnostics()).registrations).toEqual([]);
  });

  it('a worker that resumed a session restores nothing when its connection merely drops', async () => {
    const link = await proxied();
    const { logger, records } = capturingLogger('info');
    const zk = await client({ sessionTimeout: 10_000, logger }, link.connectString);
    const obs = await observer();
    const service = `${root('race-reconnect')}/servers`;
    const registration = await zk.registerServer(service, ['127.0.0.1', 8080]);
    const servers = await zk.children(service);
    await workerThread(zk)?.terminate();
    await zk.diagnostics(); // the new worker is up, and has resumed the session
    await waitFor(() => records.some((r) => r.msg === 'registration restored'));

    const mark = records.length;
    link.drop();
    await waitFor(() => records.slice(mark).some((r) => r.msg === 'reconnected'), {
      message: 'the worker to reconnect',
    });
    await zk.diagnostics(); // after whatever the reconnect set off

    const after = records.slice(mark).map((r) => r.msg);
    expect(after).not.toContain('registration restored');
    expect(after).not.toContain('re-arming watches');
    expect((await obs.exists(registration.path))?.ephemeralOwner).toBe(zk.sessionId);
    expect(servers.toArray()).toEqual(['127.0.0.1:8080']);
  });
});
