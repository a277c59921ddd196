import { once } from 'node:events';
import net from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { afterEach, describe, expect, it } from 'vitest';
import { closeClient } from './close.js';

// Against the library's real ConnectionManager and sockets; the servers are plain TCP stand-ins.
const CLOSED = -2;
const managerState = (client: zookeeper.Client) =>
  (client as unknown as { connectionManager: { state: number } }).connectionManager.state;

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(onConnection: (socket: net.Socket) => void = () => {}): Promise<number> {
  const server = net.createServer(onConnection);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

describe('closeClient', () => {
  it('ends a client that keeps reconnecting, and it stays closed', async () => {
    const port = await listen();
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const client = zookeeper.createClient(`127.0.0.1:${port}`, { spinDelay: 10, retries: 0 });
    client.connect();
    const started = Date.now();
    await closeClient(client, 2000);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(managerState(client)).toBe(CLOSED);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(managerState(client)).toBe(CLOSED);
  });

  it('is bounded by waitMs against a server that never answers, and destroys the socket', async () => {
    const accepted: net.Socket[] = [];
    const port = await listen((socket) => {
      accepted.push(socket);
      socket.resume(); // reads and drops the ConnectRequest: never answers
    });
    const client = zookeeper.createClient(`127.0.0.1:${port}`, { retries: 0 });
    client.connect();
    await expect.poll(() => accepted.length).toBe(1);
    const closedByClient = once(accepted[0] as net.Socket, 'close');
    const started = Date.now();
    await closeClient(client, 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await closedByClient;
    await expect.poll(() => managerState(client)).toBe(CLOSED);
  });

  it('resolves at once for a client already closed', async () => {
    const port = await listen();
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const client = zookeeper.createClient(`127.0.0.1:${port}`, { spinDelay: 10, retries: 0 });
    client.connect();
    await closeClient(client, 2000);
    const started = Date.now();
    await closeClient(client, 2000);
    expect(Date.now() - started).toBeLessThan(50);
  });
});
