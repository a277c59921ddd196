import type { EventEmitter } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { authenticateWithSasl, parseReply, saslFailure, saslRequest, ZOOKEEPER_DIGEST_URI } from './sasl.js';
import { digestResponse, parseDirectives } from './sasl-digest-md5.js';

/**
 * How node-zookeeper-client behaves with SASL patched in, against a loopback server that plays ZooKeeper's side of
 * the wire (ConnectResponse, then DIGEST-MD5 as ZooKeeperSaslServer answers it). What a real server accepts is
 * test-e2e/sasl.e2e.test.ts's business; this is about what the patched library writes, holds and reports.
 */

const CREDENTIALS = { mechanism: 'DIGEST-MD5', username: 'alice', password: 'alice-pw' } as const;
const CHALLENGE = 'realm="zk-sasl-md5",nonce="n0nce",charset=utf-8,algorithm=md5-sess';
const OP_SASL = 102;
const OP_AUTH = 100;
const OP_GET_DATA = 4;
const OP_PING = 11;
/** lib/ConnectionManager.js STATES.CLOSED */
const CLOSED = -2;

/** One request the client wrote after its ConnectRequest. */
interface Request {
  readonly xid: number;
  readonly type: number;
  /** GetSASLRequest's token, for SASL requests. */
  readonly token: string;
}

interface Connection {
  readonly socket: Socket;
  readonly requests: Request[];
  /** Resolves with the `n`th request (from 1). */
  request(n: number): Promise<Request>;
  /** Answers a SASL request: err 0 with `token`, or `err` with no token. */
  reply(request: Request, token: string, err?: number): void;
  /** The same, written one byte per write (frames split across chunks). */
  replyBytewise(request: Request, token: string): Promise<void>;
}

/** A loopback server that answers the ConnectRequest (session timeout `timeOut`) and records every request. */
async function fakeServer(timeOut = 4000) {
  const connections: Connection[] = [];
  const waiting: (() => void)[] = [];
  const wake = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let connected = false;
    const connection: Connection = {
      socket,
      requests: [],
      async request(n) {
        while (connection.requests.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
        return connection.requests[n - 1] as Request;
      },
      reply: (request, token, err = 0) => socket.write(replyFrame(request.xid, token, err)),
      async replyBytewise(request, token) {
        for (const byte of replyFrame(request.xid, token, 0)) {
          socket.write(Buffer.of(byte));
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    };
    connections.push(connection);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readInt32BE(0)) {
        const frame = buffer.subarray(0, 4 + buffer.readInt32BE(0));
        buffer = buffer.subarray(frame.length);
        if (!connected) {
          connected = true;
          socket.write(connectResponse(timeOut));
        } else {
          connection.requests.push(parseRequest(frame));
        }
      }
      wake();
    });
    wake();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const { socket } of connections) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    address: `127.0.0.1:${port}`,
    get connections() {
      return connections.length;
    },
    async connection(n: number): Promise<Connection> {
      while (connections.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
      return connections[n - 1] as Connection;
    },
  };
}

/** int length, ConnectResponse { int protocolVersion; int timeOut; long sessionId; buffer passwd } */
function connectResponse(timeOut: number): Buffer {
  const frame = Buffer.alloc(40);
  frame.writeInt32BE(36, 0);
  frame.writeInt32BE(timeOut, 8);
  frame.writeInt32BE(0x1234, 16);
  frame.writeInt32BE(16, 20);
  return frame;
}

/** int length, ReplyHeader { int xid; long zxid; int err }, SetSASLResponse { buffer token } */
function replyFrame(xid: number, token: string, err: number): Buffer {
  const bytes = Buffer.from(token);
  const frame = Buffer.alloc(24 + bytes.length);
  frame.writeInt32BE(20 + bytes.length, 0);
  frame.writeInt32BE(xid, 4);
  frame.writeInt32BE(err, 16);
  frame.writeInt32BE(err === 0 ? bytes.length : -1, 20);
  bytes.copy(frame, 24);
  return frame;
}

function parseRequest(frame: Buffer): Request {
  const type = frame.readInt32BE(8);
  const token = type === OP_SASL ? frame.subarray(16, 16 + frame.readInt32BE(12)).toString() : '';
  return { xid: frame.readInt32BE(4), type, token };
}

/** What a server that knows alice's password answers to `response`. */
function rspauthFor(response: Request, password: string = CREDENTIALS.password): string {
  const cnonce = parseDirectives(response.token).get('cnonce')?.[0] ?? '';
  const expected = digestResponse(CHALLENGE, {
    username: 'alice',
    password,
    digestUri: ZOOKEEPER_DIGEST_URI,
    realm: 'zk-sasl-md5',
    cnonce,
  });
  return `rspauth=${expected.rspauth}`;
}

const clients: zookeeper.Client[] = [];

/** A client of `address` with SASL patched in, a getData and digest credentials queued before it connects. */
function saslClient(address: string) {
  const client = zookeeper.createClient(address, { sessionTimeout: 4000, retries: 0, spinDelay: 50 });
  clients.push(client);
  expect(authenticateWithSasl(client, CREDENTIALS)).toBe(true);
  client.addAuthInfo('digest', Buffer.from('bob:pw'));
  const states: string[] = [];
  client.on('state', (state) => states.push(state.name));
  client.getData('/x', () => {});
  client.connect();
  return { client, states };
}

/** Resolves once the client's connection manager is CLOSED: it will not connect again. */
function closed(client: zookeeper.Client): Promise<void> {
  const manager = (client as unknown as { connectionManager: EventEmitter & { state: number } })
    .connectionManager;
  return new Promise((resolve) => {
    if (manager.state === CLOSED) resolve();
    manager.on('state', (state: number) => {
      if (state === CLOSED) resolve();
    });
  });
}

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

describe('authenticateWithSasl', () => {
  it('logs in before anything the library queued is written, and only then reports SYNC_CONNECTED', async () => {
    const server = await fakeServer();
    const { client, states } = saslClient(server.address);
    const connection = await server.connection(1);

    const first = await connection.request(1);
    expect(first).toMatchObject({ type: OP_SASL, token: '' });
    connection.reply(first, CHALLENGE);
    const response = await connection.request(2);
    expect(response.type).toBe(OP_SASL);
    const fields = parseDirectives(response.token);
    expect(fields.get('username')).toEqual(['alice']);
    expect(fields.get('digest-uri')).toEqual(['zookeeper/zk-sasl-md5']);
    expect(response.token).not.toContain(CREDENTIALS.password);
    // Still not connected for the session: nothing queued was released yet.
    expect(states).toEqual([]);
    expect(connection.requests).toHaveLength(2);

    connection.reply(response, rspauthFor(response));
    const read = await connection.request(3);
    const auth = await connection.request(4);

    expect(states).toEqual(['SYNC_CONNECTED']);
    // In the library's own order: the read queued before connect(), the credentials at the connection.
    expect([read.type, auth.type]).toEqual([OP_GET_DATA, OP_AUTH]);
    // SASL xids come from the library's counter: the requests after them do not reuse them.
    expect(read.xid).toBeGreaterThan(response.xid);
    expect(client.getState().name).toBe('SYNC_CONNECTED');
  });

  it('takes replies that arrive a byte at a time', async () => {
    const server = await fakeServer();
    const { states } = saslClient(server.address);
    const connection = await server.connection(1);

    await connection.replyBytewise(await connection.request(1), CHALLENGE);
    const response = await connection.request(2);
    await connection.replyBytewise(response, rspauthFor(response));
    await connection.request(4);

    expect(states).toEqual(['SYNC_CONNECTED']);
  });

  it('logs in again on every new connection of the session', async () => {
    const server = await fakeServer();
    const { states } = saslClient(server.address);
    const login = async (n: number) => {
      const connection = await server.connection(n);
      connection.reply(await connection.request(1), CHALLENGE);
      const response = await connection.request(2);
      connection.reply(response, rspauthFor(response));
      return connection;
    };
    const first = await login(1);
    await first.request(4);

    first.socket.destroy();
    const second = await login(2);
    await second.request(3);

    expect(second.requests.slice(0, 2).map((request) => request.type)).toEqual([OP_SASL, OP_SASL]);
    expect(states).toEqual(['SYNC_CONNECTED', 'DISCONNECTED', 'SYNC_CONNECTED']);
  });

  it.each([
    ['the server refuses (AUTH_FAILED)', 'refused', /refused SASL authentication as "alice" \(AUTH_FAILED\)/],
    ['the server cannot prove it knows the password', 'impostor', /rspauth/],
    ['the server sends no challenge (no SASL configured)', 'no-challenge', /no SASL DIGEST-MD5 challenge/],
  ])(
    'reports AUTH_FAILED when %s, writes nothing it held, and does not reconnect',
    async (_, mode, reason) => {
      const server = await fakeServer();
      const { client, states } = saslClient(server.address);
      const connection = await server.connection(1);
      const first = await connection.request(1);
      if (mode === 'no-challenge') {
        connection.reply(first, '');
      } else {
        connection.reply(first, CHALLENGE);
        const response = await connection.request(2);
        if (mode === 'refused') connection.reply(response, '', -115);
        else connection.reply(response, rspauthFor(response, 'another-pw'));
      }

      await closed(client);

      expect(states).toEqual(['AUTH_FAILED', 'DISCONNECTED']);
      expect(saslFailure(client)).toMatchObject({
        code: 'AUTH_FAILED',
        message: expect.stringMatching(reason),
      });
      expect(saslFailure(client)?.message).not.toContain(CREDENTIALS.password);
      expect(connection.requests.every((request) => request.type === OP_SASL)).toBe(true);
      expect(server.connections).toBe(1);
    },
  );

  it('drops a connection whose reply has a negative length, and logs in on the next', async () => {
    const server = await fakeServer();
    const { states } = saslClient(server.address);
    const first = await server.connection(1);
    await first.request(1);
    first.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 0]));

    const second = await server.connection(2);
    second.reply(await second.request(1), CHALLENGE);
    const response = await second.request(2);
    second.reply(response, rspauthFor(response));
    await second.request(4);

    expect(states).toEqual(['SYNC_CONNECTED']);
  });

  it('pings once logged in when its ping timer fired during the login', async () => {
    // A session timeout of 300 ms: the library pings every 100 ms of silence, here while the login waits.
    const server = await fakeServer(300);
    saslClient(server.address);
    const connection = await server.connection(1);
    const first = await connection.request(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    connection.reply(first, CHALLENGE);
    const response = await connection.request(2);
    connection.reply(response, rspauthFor(response));

    for (let n = 3; ; n++) {
      if ((await connection.request(n)).type === OP_PING) break;
    }
    expect(connection.requests.map((request) => request.type)).toContain(OP_PING);
  });
});

describe('SASL frames', () => {
  it('writes GetSASLRequest with the opcode and token, and reads SetSASLResponse', () => {
    const request = saslRequest(7, Buffer.from('abc'));
    expect(parseRequest(request)).toEqual({ xid: 7, type: OP_SASL, token: 'abc' });
    expect(request.readInt32BE(0)).toBe(request.length - 4);
    expect(parseReply(replyFrame(7, 'rspauth=x', 0))).toEqual({
      xid: 7,
      err: 0,
      token: Buffer.from('rspauth=x'),
    });
    expect(parseReply(replyFrame(7, '', -115))).toEqual({ xid: 7, err: -115, token: Buffer.alloc(0) });
  });
});
