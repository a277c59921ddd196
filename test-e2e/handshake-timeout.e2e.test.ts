import { createServer, type Socket } from 'node:net';
import { type ProxyHandle, startProxy, waitFor } from '@zkit/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { client, zkConnect } from './support/harness.js';

/**
 * node-zookeeper-client 1.1.3 clears its connect timer once TCP connects and has no read timeout before the
 * ConnectResponse: a server that accepts the connection and never answers (one restarting, a black hole) held a
 * client forever. The worker bounds each handshake by sessionTimeout / servers, as ZooKeeper's ClientCnxn does.
 */

/** The run's first real server, and the chroot (if any) to append to a connection string of our own. */
function realServer(): { host: string; chroot: string } {
  const [hosts = '', ...chroot] = zkConnect().split('/');
  return { host: hosts.split(',')[0] ?? '', chroot: chroot.length > 0 ? `/${chroot.join('/')}` : '' };
}

/** A loopback server that accepts every connection and never writes a byte; closed when the test ends. */
async function blackHole(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('black hole has no port');
  return `127.0.0.1:${address.port}`;
}

/** A proxy to the real server, closed when the test ends. */
async function path(): Promise<ProxyHandle> {
  const proxy = await startProxy(realServer().host);
  onTestFinished(() => proxy.close());
  return proxy;
}

describe('a server that accepts the connection but never answers the ConnectRequest', () => {
  it('is left for the next server of the connection string, so connect() succeeds', async () => {
    const hole = await blackHole();
    const { host, chroot } = realServer();
    // The library shuffles the list and then tries it in order: with 9 black holes to 1 server, an unbounded
    // handshake leaves each client on a black hole 9 times in 10, both of them 99 times in 100.
    const servers = `${[...Array<string>(9).fill(hole), host].join(',')}${chroot}`;
    const options = { sessionTimeout: 2000, connectTimeout: 20_000 };

    const clients = await Promise.all([client(options, servers), client(options, servers)]);

    for (const zk of clients) {
      expect(zk.state).toBe('connected');
      expect(await zk.exists('/')).not.toBeNull();
    }
  });

  it('drops a path turned black hole for the other path, keeping the session', async () => {
    const [a, b] = [await path(), await path()];
    const zk = await client(
      { sessionTimeout: 4000 },
      `${a.connectString},${b.connectString}${realServer().chroot}`,
    );
    const owner = zk.sessionId;
    const current = a.connections > 0 ? a : b;
    const accepted = new Map([a, b].map((proxy) => [proxy, proxy.accepted]));

    // Both paths hold new connections unanswered; the client's connection is reset and it reconnects at once.
    for (const proxy of [a, b]) proxy.pause();
    current.dropConnections();
    const holding = await waitFor(() => [a, b].find((proxy) => proxy.accepted > (accepted.get(proxy) ?? 0)), {
      timeout: 5000,
    });
    // One path comes back, not the one the client's handshake now hangs on.
    const open = holding === a ? b : a;
    const openAccepted = open.accepted;
    open.resume();

    await waitFor(() => open.accepted > openAccepted && zk.state === 'connected', { timeout: 10_000 });
    expect(await zk.exists('/')).not.toBeNull();
    expect(zk.sessionId).toBe(owner);
  });
});
