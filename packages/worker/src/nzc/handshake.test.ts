import { type AddressInfo, createServer, type Socket } from 'node:net';
import { MIN_HANDSHAKE_TIMEOUT } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { boundHandshake, handshakeTimeoutMs } from './handshake.js';

/** node-zookeeper-client's ConnectionManager, as far as connecting goes. */
interface Connecting {
  readonly state: number;
  readonly socket: Socket | undefined;
}

const CLOSED = -2; // ConnectionManager's STATES.CLOSED

/**
 * A loopback server that accepts every connection and never writes (a restarting server, a black hole), or, with
 * `answer`, answers the ConnectRequest with a ConnectResponse as a ZooKeeper server does.
 */
async function fakeServer(answer = false) {
  const sockets: Socket[] = [];
  const waiting: (() => void)[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    // The ConnectRequest arriving means the library's onSocketConnected has run (it writes the request).
    socket.once('data', () => {
      sockets.push(socket);
      if (answer) socket.write(connectResponse());
      for (const wake of waiting.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    sockets,
    /** Resolves with the `n`th connection (from 1) once its ConnectRequest arrived. */
    async handshake(n: number): Promise<Socket> {
      while (sockets.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
      return sockets[n - 1] as Socket;
    },
    close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** int length, ConnectResponse { int protocolVersion; int timeOut; long sessionId; buffer passwd } */
function connectResponse(): Buffer {
  const frame = Buffer.alloc(40);
  frame.writeInt32BE(36, 0);
  frame.writeInt32BE(2000, 8);
  frame.writeInt32BE(0x1234, 16);
  frame.writeInt32BE(16, 20);
  return frame;
}

/** A client of `servers` with its handshakes bounded, closed when the test ends (its fake server goes too). */
function bounded(servers: string): zookeeper.Client {
  const client = zookeeper.createClient(servers, { sessionTimeout: 2000 });
  expect(boundHandshake(client)).toBe(true);
  onTestFinished(() => client.close());
  return client;
}

function managerOf(client: zookeeper.Client): Connecting {
  return (client as unknown as { connectionManager: Connecting }).connectionManager;
}

describe('boundHandshake', () => {
  // Only the timers: the sockets stay real, so this runs the library's own connect and close handling.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives each server sessionTimeout / servers, as ZooKeeper ClientCnxn does, and at least 250 ms', () => {
    expect(handshakeTimeoutMs(2000, 4)).toBe(500);
    expect(handshakeTimeoutMs(2000, 10)).toBe(MIN_HANDSHAKE_TIMEOUT);
    expect(handshakeTimeoutMs(1001, 1)).toBe(1001);
  });

  it('drops a server that accepts the connection but never answers, and the library tries the next', async () => {
    await using blackHole = disposable(await fakeServer());
    const client = bounded(`${blackHole.value.address},${blackHole.value.address}`);
    client.connect();
    const first = await blackHole.value.handshake(1);

    vi.advanceTimersByTime(handshakeTimeoutMs(2000, 2));

    expect(managerOf(client).socket?.destroyed).toBe(true);
    const second = await blackHole.value.handshake(2);
    expect(second).not.toBe(first);
  });

  it('leaves a connection alone once the server answered the ConnectRequest', async () => {
    await using server = disposable(await fakeServer(true));
    const client = bounded(server.value.address);
    const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    client.connect();
    await connected;

    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(managerOf(client).socket?.destroyed).toBe(false);
  });

  it('clears its timer when the connection closes first', async () => {
    await using blackHole = disposable(await fakeServer());
    const client = bounded(`${blackHole.value.address},${blackHole.value.address}`);
    client.connect();
    (await blackHole.value.handshake(1)).destroy();
    await blackHole.value.handshake(2);

    // The second connection's own handshake timer, and nothing left of the first.
    expect(vi.getTimerCount()).toBe(1);
  });

  it('ends a client closed while its handshake hangs, leaving no timer', async () => {
    await using blackHole = disposable(await fakeServer());
    const client = bounded(blackHole.value.address);
    client.connect();
    await blackHole.value.handshake(1);

    client.close();
    vi.advanceTimersByTime(handshakeTimeoutMs(2000, 1));

    expect(managerOf(client).socket?.destroyed).toBe(true);
    await vi.waitUntil(() => managerOf(client).state === CLOSED, { interval: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('patches a client once', () => {
    const client = zookeeper.createClient('127.0.0.1:1');
    const manager = (client as unknown as { connectionManager: { onSocketConnected: unknown } })
      .connectionManager;
    boundHandshake(client);
    const patched = manager.onSocketConnected;

    expect(boundHandshake(client)).toBe(true);
    expect(manager.onSocketConnected).toBe(patched);
  });
});

/** `await using` for a fake server: closes it (and its connections) when the test ends. */
function disposable<T extends { close(): Promise<void> }>(value: T): { value: T } & AsyncDisposable {
  return { value, [Symbol.asyncDispose]: () => value.close() };
}
