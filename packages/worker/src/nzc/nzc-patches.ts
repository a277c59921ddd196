/**
 * Run-time patches to node-zookeeper-client, kept in this one place and applied only to the version they were
 * written against (read from the library's package.json).
 *
 * 1. Reply codes the library does not know. Its Exception.create() throws `Unknown code` for any code missing from its
 * 1.1.3 table, and ConnectionManager.onSocketData calls it for every error reply, inside the socket's data handler:
 * the throw escapes as an uncaught exception (which kills the worker) and the request's callback never runs. Newer
 * servers send such codes: NOWATCHER (-121) answers removeWatches of a watch that fired meanwhile, a race no
 * ordering of ours can rule out; SESSION_MOVED (-118), REQUEST_TIMEOUT (-122), THROTTLED_OP (-127) and others answer
 * ordinary requests. Patched, create() returns an Exception for them too, named after ZooKeeper's
 * KeeperException.Code, so the request fails like any other.
 *
 * The library's Exception table belongs to its module, not to a client: one patch covers every client the module
 * creates, so installing it is idempotent (and cheap to repeat per client).
 *
 * 2. The connect handshake (boundHandshake). The library bounds the TCP connect by its connectTimeout but clears
 * that timer in onSocketConnected, and arms no read timeout until the ConnectResponse arrives (its socket timeout
 * is set only once CONNECTED). A server that accepts the connection and never answers the ConnectRequest (one
 * restarting, a black hole) holds the client forever: it never tries the next server. ZooKeeper's Java client
 * (ClientCnxn) bounds the handshake by connectTimeout = sessionTimeout / number of servers, then moves on. Patched
 * per client, before it connects.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';

/** The library version whose Exception.create() is patched here (see the test against its real socket handler). */
export const PATCHED_VERSION = '1.1.3';

/** org.apache.zookeeper.KeeperException.Code values newer than node-zookeeper-client 1.1.3's table. */
export const NEWER_CODES: ReadonlyMap<number, string> = new Map([
  [-12, 'UNKNOWN_SESSION'],
  [-13, 'NEW_CONFIG_NO_QUORUM'],
  [-14, 'RECONFIG_IN_PROGRESS'],
  [-118, 'SESSION_MOVED'],
  [-119, 'NOT_READONLY'],
  [-120, 'EPHEMERAL_ON_LOCAL_SESSION'],
  [-121, 'NO_WATCHER'],
  [-122, 'REQUEST_TIMEOUT'],
  [-123, 'RECONFIG_DISABLED'],
  [-124, 'SESSION_CLOSED_REQUIRE_SASL_AUTH'],
  [-125, 'QUOTA_EXCEEDED'],
  [-127, 'THROTTLED_OP'],
]);

/** NOWATCHER: removeWatches found no such watch (it fired, or the connection that held it is gone). */
export const NO_WATCHER = -121;

/** The shape of lib/Exception.js: a constructor carrying the code table and the create() factory. */
interface ExceptionModule {
  (code: number, name: string, path: string | undefined, ctor: unknown): void;
  readonly prototype: object;
  create(code: number, path?: string): Error;
  readonly [name: string]: unknown;
}

let installed: boolean | undefined;

/**
 * Makes every reply code safe for the library's socket handler; true when it is (patched now or before, or a
 * library that knows the codes itself). False for an unknown version that still throws: callers must then avoid
 * requests whose answer may carry such a code (removeWatches).
 */
export function patchLibrary(): boolean {
  installed ??= install(zookeeper.Exception as unknown as ExceptionModule, libraryVersion());
  return installed;
}

function install(exception: ExceptionModule, version: string | undefined): boolean {
  if (knowsCode(exception, NO_WATCHER)) return true;
  if (version !== PATCHED_VERSION || typeof exception.create !== 'function') return false;
  const known = new Set(Object.values(exception).filter((value) => typeof value === 'number'));
  const original = exception.create;
  const create = (code: number, path?: string): Error =>
    known.has(code) ? original(code, path) : unknownCode(exception, code, path, create);
  (exception as { create: typeof create }).create = create;
  return knowsCode(exception, NO_WATCHER);
}

/** An Exception as the library's constructor makes one (which refuses codes outside its table). */
function unknownCode(
  exception: ExceptionModule,
  code: number,
  path: string | undefined,
  ctor: object,
): Error {
  const error = Object.create(exception.prototype) as Error & { code: number; path: string | undefined };
  Error.captureStackTrace(error, ctor as () => void);
  const name = NEWER_CODES.get(code) ?? 'UNKNOWN_ERROR';
  error.code = code;
  error.name = name;
  error.path = path;
  error.message = `Exception: ${name}[${code}]${path ? `@${path}` : ''}`;
  return error;
}

function knowsCode(exception: ExceptionModule, code: number): boolean {
  try {
    return exception.create(code) instanceof (exception as unknown as new () => object);
  } catch {
    return false;
  }
}

/** The floor of a handshake bound: a long server list with a short session must still leave time to answer. */
export const MIN_HANDSHAKE_TIMEOUT_MS = 250;

/** How long one server gets to answer the ConnectRequest: ClientCnxn's sessionTimeout / servers, floored. */
export function handshakeTimeoutMs(sessionTimeout: number, servers: number): number {
  return Math.max(MIN_HANDSHAKE_TIMEOUT_MS, Math.floor(sessionTimeout / Math.max(1, servers)));
}

/** The parts of lib/ConnectionManager.js the handshake bound relies on. */
interface ConnectionManager extends EventEmitter {
  /** STATES of the module; emitted as 'state' by setState(). */
  readonly state: number;
  /** The requested timeout before the first session, the negotiated one after (updateTimeout). */
  readonly sessionTimeout: number;
  readonly servers: readonly unknown[];
  /** The current connection's socket (a new one per connection). */
  readonly socket: Socket | undefined;
  /** Writes the ConnectRequest; bound to the socket's 'connect' in connect(), so an own property set now wins. */
  onSocketConnected(): void;
}

/** STATES.CONNECTED and STATES.CONNECTED_READ_ONLY: the ConnectResponse arrived, the session is established. */
const ESTABLISHED: ReadonlySet<number> = new Set([2, 3]);

const bounded = new WeakSet<object>();

/**
 * Bounds every handshake of `client` (a node-zookeeper-client Client not yet connected): a connection whose
 * server has not answered the ConnectRequest within handshakeTimeoutMs is destroyed, and the library's own close
 * handling (onSocketClosed: CONNECTION_LOSS for pending requests, then connect() to the next server, or CLOSED
 * when closing) takes over, as after its own connect timeout. True when bounded (now or before).
 */
export function boundHandshake(client: object): boolean {
  const manager = (client as { connectionManager?: Partial<ConnectionManager> }).connectionManager;
  if (!manager || bounded.has(manager)) return manager !== undefined;
  if (!isConnectionManager(manager) || libraryVersion() !== PATCHED_VERSION) return false;
  const writeConnectRequest = manager.onSocketConnected;
  (manager as { onSocketConnected: () => void }).onSocketConnected = function (this: ConnectionManager) {
    writeConnectRequest.call(this);
    armHandshakeTimer(manager);
  };
  bounded.add(manager);
  return true;
}

function isConnectionManager(manager: Partial<ConnectionManager>): manager is ConnectionManager {
  return (
    typeof manager.onSocketConnected === 'function' &&
    typeof manager.on === 'function' &&
    typeof manager.sessionTimeout === 'number' &&
    Array.isArray(manager.servers)
  );
}

/** Until the session is established on this socket or the socket closes; unref'd, it never holds the process. */
function armHandshakeTimer(manager: ConnectionManager): void {
  const socket = manager.socket;
  if (!socket || socket.destroyed || ESTABLISHED.has(manager.state)) return;
  const onState = (state: number) => {
    if (ESTABLISHED.has(state)) disarm();
  };
  const disarm = () => {
    clearTimeout(timer);
    manager.off('state', onState);
    socket.off('close', disarm);
  };
  // Also while CLOSING: close() queues a closeSession the silent server never answers, so only this ends it.
  const timer = setTimeout(
    () => {
      disarm();
      socket.destroy();
    },
    handshakeTimeoutMs(manager.sessionTimeout, manager.servers.length),
  );
  timer.unref();
  manager.on('state', onState);
  socket.once('close', disarm);
}

function libraryVersion(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url)('node-zookeeper-client/package.json') as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/** A request waiting in the library's packetQueue: written when a connection is up, answered through `callback`. */
interface QueuedPacket {
  readonly callback?: (error: unknown) => void;
}

/**
 * Answers CONNECTION_LOSS to every request `client` queued but never wrote, and returns how many. The library
 * answers only what it wrote (cleanupPendingQueue) when a connection closes or the session expires: a request
 * queued while disconnected would wait forever in a client that is stopped instead (its session expired, or
 * zkit closed it), and whoever awaits it with it. Call it before close(), which queues its own closeSession.
 */
export function failQueued(client: object): number {
  const manager = (client as { connectionManager?: { packetQueue?: { queue?: unknown } } }).connectionManager;
  const queue = manager?.packetQueue?.queue;
  if (!Array.isArray(queue)) return 0;
  const packets = queue.splice(0) as QueuedPacket[];
  for (const packet of packets) {
    try {
      const exception = zookeeper.Exception as unknown as ExceptionModule;
      packet.callback?.(exception.create(zookeeper.Exception.CONNECTION_LOSS));
    } catch {
      // A callback that throws must not keep the others from their answer.
    }
  }
  return packets.length;
}
