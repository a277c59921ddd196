import { startProxy, waitFor } from '@zkit/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { client, observer, root, zkConnect } from './support/harness.js';

/**
 * The shared server behind a proxy of the test's own, so ZooKeeper can become unreachable for this client only.
 * (Killing and restarting a server would do too, but node-zookeeper-client can hang for good on a connection a
 * starting server accepted and never answered: it has no handshake timeout.)
 */
async function proxied(): Promise<{ connectString: string; cut(): void; heal(): void }> {
  const [hosts = '', ...chroot] = zkConnect().split('/');
  const proxy = await startProxy(hosts.split(',')[0] ?? '');
  onTestFinished(() => proxy.close());
  return {
    connectString: [proxy.connectString, ...chroot].join('/'),
    /** A partition: the connection drops, and the client's reconnect is held unanswered until heal(). */
    cut: () => {
      proxy.pause();
      proxy.dropConnections();
    },
    heal: () => proxy.resume(),
  };
}

describe('aborting a call', () => {
  it('withdraws a registerServer aborted while ZooKeeper is unreachable: the node never appears', async () => {
    const link = await proxied();
    const zk = await client({ sessionTimeout: 10_000 }, link.connectString);
    const obs = await observer();
    const service = `${root('abort-register')}/servers`;
    const node = `${service}/127.0.0.1:8080`;

    link.cut();
    await waitFor(() => zk.state === 'disconnected', { message: 'the client to lose ZooKeeper' });
    const controller = new AbortController();
    const registering = zk.registerServer(service, ['127.0.0.1', 8080], { signal: controller.signal });
    // The call reached the worker, which waits for ZooKeeper to place the node.
    await waitFor(async () => (await zk.diagnostics()).registrations.some((r) => r.path === node));
    controller.abort();

    await expect(registering).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await zk.diagnostics()).registrations).toEqual([]);

    link.heal();
    await waitFor(() => zk.state === 'connected', { timeout: 15_000, message: 'the client to reconnect' });
    // The same session is back (or a new one): nothing that was given up on may be written now. The round trip
    // below is answered after anything the worker could have queued; then look for a bounded while.
    await zk.exists('/');
    for (let look = 0; look < 20; look++) {
      expect(await obs.exists(node)).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await obs.exists(service)).toBeNull();
    expect((await zk.diagnostics()).registrations).toEqual([]);
  });

  it('does nothing when the signal fires after registerServer resolved', async () => {
    const zk = await client();
    const obs = await observer();
    const controller = new AbortController();
    const service = `${root('abort-late')}/servers`;
    const registration = await zk.registerServer(service, ['127.0.0.1', 8081], { signal: controller.signal });
    controller.abort();

    expect((await zk.diagnostics()).registrations).toEqual([{ path: registration.path, present: true }]);
    expect(await obs.exists(registration.path)).not.toBeNull();
  });
});
