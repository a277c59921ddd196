import type { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';

/** The parts of lib/ConnectionManager.js that closeClient relies on (undocumented, node-zookeeper-client 1.1.3). */
interface ConnectionInternals extends EventEmitter {
  /** STATES of lib/ConnectionManager.js; emitted as 'state' by setState(). */
  readonly state: number;
  /** Called by onSocketClosed to reconnect; replaced here to switch reconnects off. */
  connect: () => void;
  readonly socket?: { destroy(): void };
}

/**
 * What closeClient uses of a node-zookeeper-client `Client` (which is one): the library's own types stay out of
 * @zkit/worker/nzc's declarations, which @zkit/testing's and @zkit/client's consumers load without them.
 */
export interface ClosableClient extends EventEmitter {
  close(): void;
}

/** lib/ConnectionManager.js STATES. */
const CLOSED = -2;
const DISCONNECTED = 0;

/**
 * Closes `client` for good, waiting up to `waitMs` for its closeSession to go out (which ends the session at once
 * on the server); resolves in every case, never rejects, and never holds the process.
 *
 * - Reconnects are switched off first. Called while the client reconnects (its server just died), close() races
 *   the connect attempt in flight: if that attempt reaches a live server, the library marks itself connected
 *   again, sends the close, and its socket-close handler then starts yet another reconnect
 *   (ConnectionManager.onSocketClosed).
 * - The end is heard from the connection manager's own 'state' (DISCONNECTED, then CLOSED), and from the client's
 *   'state' too when those internals are missing: not from the client's 'disconnected' event, which the library
 *   emits from its own 'state' listener, one that a caller (the worker's stopLink) may have removed already. The
 *   manager's state also tells a close while reconnecting, where the client, already DISCONNECTED, emits nothing.
 * - Bounded: after `waitMs` (0 included: the worker's stopLink when there is no session worth a closeSession) the
 *   socket is destroyed (its close handler then fails pending requests and, reconnects being off, stays closed).
 *   The timer is unref'd.
 */
export function closeClient(client: ClosableClient, waitMs = 2000): Promise<void> {
  const internals = connectionInternals(client);
  if (internals?.state === CLOSED) return Promise.resolve();
  if (internals) internals.connect = () => {};
  return new Promise((resolve) => {
    const done = (closed: boolean) => {
      clearTimeout(timer);
      internals?.off('state', onManagerState);
      client.removeListener('state', onClientState);
      if (closed) return resolve();
      // In the check phase, after write-batching.ts uncorks the socket (its setImmediate was queued first, when
      // close() queued the closeSession): what was written still goes out, even with a bound of 0.
      setImmediate(() => {
        internals?.socket?.destroy();
        resolve();
      });
    };
    const onManagerState = (state: number) => {
      if (state === DISCONNECTED || state === CLOSED) done(true);
    };
    const onClientState = (state: { readonly code: number }) => {
      if (state.code === zookeeper.State.DISCONNECTED.code) done(true);
    };
    const timer = setTimeout(() => done(false), waitMs);
    timer.unref();
    internals?.on('state', onManagerState);
    client.on('state', onClientState);
    try {
      client.close();
    } catch {
      // close() throws between connect() and the socket's creation (a tick later): it writes the closeSession to a
      // socket not made yet. The connection then ends in CLOSING (no retry), or by the bound below.
    }
  });
}

function connectionInternals(client: ClosableClient): ConnectionInternals | undefined {
  const manager: unknown = (client as unknown as { connectionManager?: unknown }).connectionManager;
  if (typeof manager !== 'object' || manager === null) return undefined;
  const candidate = manager as Partial<ConnectionInternals>;
  return typeof candidate.state === 'number' &&
    typeof candidate.connect === 'function' &&
    typeof candidate.on === 'function' &&
    typeof candidate.off === 'function'
    ? (candidate as ConnectionInternals)
    : undefined;
}
