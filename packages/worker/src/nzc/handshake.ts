/**
 * The connect handshake of node-zookeeper-client 1.1.3, bounded.
 *
 * The library bounds the TCP connect by its connectTimeout but clears
 * that timer in onSocketConnected, and arms no read timeout until the ConnectResponse arrives (its socket timeout
 * is set only once CONNECTED). A server that accepts the connection and never answers the ConnectRequest (one
 * restarting, a black hole) holds the client forever: it never tries the next server. ZooKeeper's Java client
 * (ClientCnxn) bounds the handshake by connectTimeout = sessionTimeout / number of servers, then moves on. Patched
 * per client, before it connects.
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { MIN_HANDSHAKE_TIMEOUT } from '@zkit/protocol';
import { isPatchedVersion } from './version.js';

/** How long one server gets to answer the ConnectRequest: ClientCnxn's sessionTimeout / servers, floored (MIN_HANDSHAKE_TIMEOUT). */
export function handshakeTimeoutMs(sessionTimeout: number, servers: number): number {
  return Math.max(MIN_HANDSHAKE_TIMEOUT, Math.floor(sessionTimeout / Math.max(1, servers)));
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
  if (!isConnectionManager(manager) || !isPatchedVersion()) return false;
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
