import { type AddressInfo, createServer, type Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { toZkError } from './exceptions.js';
import {
  boundHandshake,
  failQueued,
  handshakeTimeoutMs,
  MIN_HANDSHAKE_TIMEOUT_MS,
  NO_WATCHER,
  PATCHED_VERSION,
  patchLibrary,
} from './nzc-patches.js';

/** node-zookeeper-client's ConnectionManager, as far as reading a reply goes. */
interface Manager {
  state: number;
  readonly pendingQueue: { request: { header: { xid: number; type: number } }; callback: Callback }[];
  onSocketData(buffer: Buffer): void;
}
type Callback = (error: unknown, response?: unknown) => void;

const CONNECTED = 2; // ConnectionManager's STATES.CONNECTED
const OP_DELETE = 2;

/**
 * Feeds the library's real socket handler one reply frame with `code` for a request it is waiting for; resolves
 * with what the request's callback got. The client never connects: the frame is handed to onSocketData directly.
 */
function replyWithCode(code: number): { error: unknown } {
  const client = zookeeper.createClient('127.0.0.1:1');
  const manager = (client as unknown as { connectionManager: Manager }).connectionManager;
  manager.state = CONNECTED;
  const answer: { error: unknown } = { error: undefined };
  manager.pendingQueue.push({
    request: { header: { xid: 7, type: OP_DELETE } },
    callback: (error) => {
      answer.error = error;
    },
  });
  // int length, ReplyHeader { int xid; long zxid; int err }
  const frame = Buffer.alloc(20);
  frame.writeInt32BE(16, 0);
  frame.writeInt32BE(7, 4);
  frame.writeInt32BE(code, 16);
  manager.onSocketData(frame);
  return answer;
}

describe('patchLibrary', () => {
  // Runs first: the patch is module-wide and stays once installed.
  it('is needed: the unpatched library throws inside its socket handler on a code it does not know', () => {
    expect(() => replyWithCode(NO_WATCHER)).toThrow(`Unknown code: ${NO_WATCHER}`);
  });

  it('makes the socket handler hand NOWATCHER to the request as an Exception', () => {
    expect(patchLibrary()).toBe(true);

    const { error } = replyWithCode(NO_WATCHER);

    expect(error).toBeInstanceOf(zookeeper.Exception);
    const exception = error as zookeeper.Exception;
    expect([exception.getCode(), exception.getName()]).toEqual([NO_WATCHER, 'NO_WATCHER']);
    expect(toZkError(error, '/a')).toMatchObject({ path: '/a' });
  });

  it('names other newer codes after ZooKeeper, and anything else UNKNOWN_ERROR', () => {
    patchLibrary();
    const nameOf = (code: number) => (replyWithCode(code).error as zookeeper.Exception).getName();

    expect([nameOf(-118), nameOf(-127), nameOf(-999)]).toEqual([
      'SESSION_MOVED',
      'THROTTLED_OP',
      'UNKNOWN_ERROR',
    ]);
  });

  it("leaves the library's own codes to the library", () => {
    patchLibrary();
    const { error } = replyWithCode(zookeeper.Exception.NO_NODE);

    expect(error).toBeInstanceOf(zookeeper.Exception);
    expect((error as zookeeper.Exception).getName()).toBe('NO_NODE');
    expect((error as Error).message).toBe('Exception: NO_NODE[-101]');
  });

  it('installs once: calling it again wraps nothing twice', () => {
    patchLibrary();
    const create = (zookeeper.Exception as unknown as { create: unknown }).create;

    expect(patchLibrary()).toBe(true);
    expect((zookeeper.Exception as unknown as { create: unknown }).create).toBe(create);
  });

  it('is written for the installed library version', async () => {
    const { createRequire } = await import('node:module');
    const manifest = createRequire(import.meta.url)('node-zookeeper-client/package.json') as {
      version: string;
    };
    expect(manifest.version).toBe(PATCHED_VERSION);
  });
});

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
    expect(handshakeTimeoutMs(2000, 10)).toBe(MIN_HANDSHAKE_TIMEOUT_MS);
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

describe('failQueued', () => {
  it('answers CONNECTION_LOSS to the requests a client queued but never wrote, which the library would keep forever', async () => {
    // Never connected: requests wait in the library's packetQueue, which neither close() nor an expiry empties
    // (cleanupPendingQueue answers only the requests already written).
    const client = zookeeper.createClient('127.0.0.1:1', { retries: 0 });
    client.connect();
    const answer = new Promise<unknown>((resolve) => client.getData('/a', (error) => resolve(error)));
    expect(failQueued(client)).toBe(1);
    const error = await answer;
    expect(error).toBeInstanceOf(zookeeper.Exception);
    expect((error as zookeeper.Exception).getCode()).toBe(zookeeper.Exception.CONNECTION_LOSS);
    // The library's close() throws while it has no socket (it writes its closeSession at once); it stops anyway.
    expect(() => client.close()).toThrow();
  });
});
