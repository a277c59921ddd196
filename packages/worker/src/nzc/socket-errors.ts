/**
 * The socket errors of a node-zookeeper-client 1.1.3 client, told to a listener.
 *
 * The library's onSocketError only clears its connect timer: a refused or reset connection is retried against the
 * next server forever, and nobody hears why. A connect() that then times out could only say "no session": with the
 * last error it can say "connect ECONNREFUSED 127.0.0.1:2181". connect() binds `this.onSocketError` to each new
 * socket, so an own property set on the instance before it connects wins (the pattern of handshake.ts).
 */
import { isPatchedVersion } from './version.js';

interface ConnectionManager {
  onSocketError(error: Error): void;
}

/** Calls `listener` with every error of every socket of `client` (not connected yet). False if it could not. */
export function onSocketErrors(client: object, listener: (error: Error) => void): boolean {
  const manager = (client as { connectionManager?: Partial<ConnectionManager> }).connectionManager;
  if (!manager || typeof manager.onSocketError !== 'function' || !isPatchedVersion()) return false;
  const clearConnectTimer = manager.onSocketError;
  manager.onSocketError = function (this: ConnectionManager, error: Error) {
    clearConnectTimer.call(this, error);
    listener(error);
  };
  return true;
}
