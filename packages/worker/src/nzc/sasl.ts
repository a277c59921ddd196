/**
 * SASL authentication (DIGEST-MD5) on every connection of a node-zookeeper-client 1.1.3 client, which has none
 * (its OP_CODES.SASL = 102 is never used). ZooKeeper keeps a SASL identity on the connection, not the session, so it
 * is redone after every reconnect, before any other request, as ZooKeeper's Java client does (ClientCnxn holds its
 * outgoing packets while SASL is in progress).
 *
 *   socket ─ConnectRequest─▶ server ─ConnectResponse─▶ library: setState(CONNECTED)   ← held here: stays CONNECTING
 *   here ─sasl(102, "")────────▶ server ─challenge─▶ here ─sasl(102, digest-response)─▶ server ─rspauth─▶ here
 *   here: setState(CONNECTED) ─▶ SYNC_CONNECTED, then the library writes what it queued (auth, SetWatches, calls)
 *
 * Held at CONNECTING, the library writes nothing it queued (onPacketQueueReadable skips that state), sends no ping
 * (onSocketTimeout neither), and the session does not count as connected; nzc/handshake.ts's bound, which runs
 * until the state is CONNECTED, covers the SASL round trips too, so a server that never answers is left for the
 * next. SASL replies are taken off the socket before the library's parser sees them: in CONNECTING it would read
 * them as ConnectResponses, and an opcode it does not know makes it destroy the socket.
 *
 * A refusal (AUTH_FAILED from the server, a challenge that is not DIGEST-MD5's, a server that cannot prove it knows
 * the password) sets AUTHENTICATION_FAILED, which the library reports as State.AUTH_FAILED and after which it does
 * not reconnect; saslFailure() tells why. Patched per client, before it connects.
 */
import type { Socket } from 'node:net';
import { type ZkError, zkError } from '@zkit/protocol';
import { checkRspauth, digestResponse } from './sasl-digest-md5.js';
import { isPatchedVersion } from './version.js';

export interface SaslCredentials {
  readonly mechanism: 'DIGEST-MD5';
  readonly username: string;
  /** Only hashed (sasl-digest-md5.ts): never sent, logged or put in an error. */
  readonly password: string;
}

/**
 * ZooKeeper's DIGEST-MD5 names, hard-coded on both sides: the server's realm and server name (ZooKeeperSaslServer,
 * "zk-sasl-md5"), the client's service ("zookeeper"; ZooKeeperSaslClient).
 */
export const ZOOKEEPER_REALM = 'zk-sasl-md5';
export const ZOOKEEPER_DIGEST_URI = 'zookeeper/zk-sasl-md5';

// org.apache.zookeeper.ZooDefs.OpCode.sasl; lib/ConnectionManager.js STATES.
const OP_SASL = 102;
const CONNECTING = 1;
const CONNECTED = 2;
const CONNECTED_READ_ONLY = 3;
const AUTHENTICATION_FAILED = -4;
/** KeeperException.Code.AUTHFAILED, SESSIONCLOSEDREQUIRESASLAUTH. */
const REFUSALS = new Map([
  [-115, 'AUTH_FAILED'],
  [-124, 'SESSION_CLOSED_REQUIRE_SASL_AUTH'],
]);

/** The parts of lib/ConnectionManager.js this relies on. */
interface Manager {
  state: number;
  socket: Socket | undefined;
  /** The library's next xid; SASL requests take theirs from it, so xids on the connection stay unique. */
  xid: number;
  /** Bytes of a frame not complete yet (onSocketData). */
  pendingBuffer: Buffer | null;
  setState(state: number): void;
  onSocketData(chunk: Buffer): void;
  onSocketTimeout(): void;
  onPacketQueueReadable(): void;
}

/** One connection's exchange. */
interface Exchange {
  readonly socket: Socket;
  /** The xid of the SASL request awaiting its reply. */
  xid: number;
  /** What the next reply carries: the challenge, then the server's final message. */
  step: 'challenge' | 'final';
  rspauth: string;
  /** Unparsed bytes of the socket while the exchange runs. */
  buffer: Buffer;
  /** The library's ping timer fired during the exchange (and did nothing in CONNECTING): ping once done. */
  missedPing: boolean;
}

const failures = new WeakMap<object, ZkError>();
const patched = new WeakSet<object>();

/** Why `client`'s SASL authentication was refused, once it was (the client then reports AUTH_FAILED). */
export function saslFailure(client: object): ZkError | undefined {
  const manager = (client as { connectionManager?: object }).connectionManager;
  return manager ? failures.get(manager) : undefined;
}

/**
 * Authenticates every connection of `client` (a node-zookeeper-client Client not yet connected) with
 * `credentials` before the library uses it. False, changing nothing, when the library's internals are not the
 * ones this was written against: the client must then not be connected (it would connect unauthenticated).
 */
export function authenticateWithSasl(client: object, credentials: SaslCredentials): boolean {
  const manager = (client as { connectionManager?: Partial<Manager> }).connectionManager;
  if (!manager || !isManager(manager) || !isPatchedVersion()) return false;
  if (patched.has(manager)) return true;
  patched.add(manager);
  let exchange: Exchange | undefined;
  const { setState, onSocketData, onSocketTimeout } = manager;

  const send = (current: Exchange, token: Buffer) => {
    current.xid = manager.xid++;
    current.socket.write(saslRequest(current.xid, token));
  };
  const begin = (socket: Socket) => {
    const current: Exchange = {
      socket,
      xid: 0,
      step: 'challenge',
      rspauth: '',
      buffer: Buffer.alloc(0),
      missedPing: false,
    };
    exchange = current;
    socket.once('close', () => {
      if (exchange === current) exchange = undefined;
    });
    // DIGEST-MD5 has no initial response: an empty token asks for the challenge.
    send(current, Buffer.alloc(0));
  };
  const finish = (current: Exchange) => {
    exchange = undefined;
    // Closed meanwhile (close() moved it to CLOSING), or another connection already: nothing to release.
    if (manager.state !== CONNECTING || manager.socket !== current.socket) return;
    setState.call(manager, CONNECTED);
    manager.onPacketQueueReadable();
    if (current.missedPing) manager.onSocketTimeout();
  };
  const refuse = (current: Exchange, error: ZkError) => {
    exchange = undefined;
    if (manager.socket !== current.socket || manager.state !== CONNECTING) return;
    failures.set(manager, error);
    // Before the state: nothing the library holds (credentials, SetWatches, calls) may reach this server. The
    // server closes the connection after refusing anyway; one that could not prove itself is left here.
    current.socket.destroy();
    setState.call(manager, AUTHENTICATION_FAILED);
  };
  const onReply = (current: Exchange, reply: SaslReply) => {
    if (manager.state !== CONNECTING) {
      exchange = undefined;
      return;
    }
    if (reply.err !== 0) {
      const refusal = REFUSALS.get(reply.err);
      refuse(
        current,
        zkError(
          'AUTH_FAILED',
          `ZooKeeper refused SASL authentication as ${JSON.stringify(credentials.username)} (${refusal ?? reply.err})`,
        ),
      );
      return;
    }
    if (current.step === 'final') {
      try {
        checkRspauth(reply.token.toString('utf8'), current.rspauth);
      } catch (error) {
        refuse(current, error as ZkError);
        return;
      }
      // Outside the try: what the state's listeners throw is theirs, not a refusal.
      finish(current);
      return;
    }
    try {
      if (reply.token.length === 0) throw noChallenge();
      const { token, rspauth } = digestResponse(reply.token.toString('utf8'), {
        username: credentials.username,
        password: credentials.password,
        digestUri: ZOOKEEPER_DIGEST_URI,
        realm: ZOOKEEPER_REALM,
      });
      current.step = 'final';
      current.rspauth = rspauth;
      send(current, Buffer.from(token, 'utf8'));
    } catch (error) {
      refuse(current, error as ZkError);
    }
  };

  manager.setState = function (this: Manager, state: number) {
    const connects = state === CONNECTED || state === CONNECTED_READ_ONLY;
    // The ConnectResponse of a new connection: the session is established, the connection not yet authenticated.
    if (connects && this.state === CONNECTING && this.socket && !this.socket.destroyed) {
      begin(this.socket);
      return;
    }
    setState.call(this, state);
  };
  manager.onSocketTimeout = function (this: Manager) {
    if (exchange && exchange.socket === this.socket) {
      exchange.missedPing = true;
      return;
    }
    onSocketTimeout.call(this);
  };
  manager.onSocketData = function (this: Manager, chunk: Buffer) {
    const current = exchange;
    if (!current || current.socket !== this.socket) {
      onSocketData.call(this, chunk);
      return;
    }
    // Bytes the library kept after the ConnectResponse come back through here (it calls onSocketData again).
    current.buffer = Buffer.concat([current.buffer, this.pendingBuffer ?? Buffer.alloc(0), chunk]);
    this.pendingBuffer = null;
    for (let frame = takeFrame(current); frame; frame = takeFrame(current)) {
      const reply = exchange === current ? parseReply(frame) : undefined;
      // Only replies to our own requests; anything else is the library's (written after close() moved it on).
      if (reply && reply.xid === current.xid) onReply(current, reply);
      else onSocketData.call(this, frame);
    }
    if (exchange !== current && current.buffer.length > 0) {
      const rest = current.buffer;
      current.buffer = Buffer.alloc(0);
      onSocketData.call(this, rest);
    }
  };
  return true;
}

function isManager(manager: Partial<Manager>): manager is Manager {
  return (
    typeof manager.setState === 'function' &&
    typeof manager.onSocketData === 'function' &&
    typeof manager.onSocketTimeout === 'function' &&
    typeof manager.onPacketQueueReadable === 'function' &&
    typeof manager.xid === 'number'
  );
}

interface SaslReply {
  readonly xid: number;
  readonly err: number;
  /** SetSASLResponse's token; empty when the server sent none (a null buffer, or no body with an error). */
  readonly token: Buffer;
}

/** int length | RequestHeader {int xid; int type = 102} | GetSASLRequest {buffer token} */
export function saslRequest(xid: number, token: Buffer): Buffer {
  const frame = Buffer.alloc(16 + token.length);
  frame.writeInt32BE(12 + token.length, 0);
  frame.writeInt32BE(xid, 4);
  frame.writeInt32BE(OP_SASL, 8);
  frame.writeInt32BE(token.length, 12);
  token.copy(frame, 16);
  return frame;
}

/** int length | ReplyHeader {int xid; long zxid; int err} | SetSASLResponse {buffer token}, or undefined if shorter. */
export function parseReply(frame: Buffer): SaslReply | undefined {
  if (frame.length < 20) return undefined;
  const xid = frame.readInt32BE(4);
  const err = frame.readInt32BE(16);
  const length = frame.length >= 24 ? frame.readInt32BE(20) : -1;
  const token = length > 0 && 24 + length <= frame.length ? frame.subarray(24, 24 + length) : Buffer.alloc(0);
  return { xid, err, token };
}

/**
 * The next whole frame (length prefix included) of the exchange's buffer, taken off it. A negative length is no
 * ZooKeeper frame: the connection is dropped (the library reconnects) rather than read on.
 */
function takeFrame(exchange: Exchange): Buffer | undefined {
  const { buffer } = exchange;
  if (buffer.length < 4) return undefined;
  if (buffer.readInt32BE(0) < 0) {
    exchange.buffer = Buffer.alloc(0);
    exchange.socket.destroy();
    return undefined;
  }
  const end = 4 + buffer.readInt32BE(0);
  if (buffer.length < end) return undefined;
  exchange.buffer = buffer.subarray(end);
  return buffer.subarray(0, end);
}

function noChallenge(): ZkError {
  return zkError(
    'AUTH_FAILED',
    'ZooKeeper sent no SASL DIGEST-MD5 challenge: is SASL enabled on the server (authProvider, JAAS Server section)?',
  );
}
