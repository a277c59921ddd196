import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Client } from 'node-zookeeper-client';

/**
 * node-zookeeper-client writes each request to its socket on its own: with many calls in flight that is one
 * syscall, and one wake-up of the server's selector, per request. The main thread's calls reach the worker a
 * turn's worth at a time (see CoalescingPort), so the requests they make are written together instead: the socket
 * is corked when the first request of a turn is queued, and uncorked in the check phase, after that turn's
 * callbacks and microtasks have queued theirs.
 *
 *   queue(a) queue(b) queue(c) ── same turn ──▶ cork … setImmediate ──▶ uncork: one write of a, b, c
 *
 * A lone request waits only for the rest of its turn. Back-pressure is unchanged: a corked socket still reports a
 * full buffer, and node-zookeeper-client resumes on 'drain'.
 *
 * Returns false, changing nothing, when the client's internals are not the ones this was written against.
 */
export function batchWritesPerTurn(client: Client): boolean {
  const manager = (client as unknown as { connectionManager?: Partial<ManagerInternals> }).connectionManager;
  const queue = manager?.packetQueue;
  if (!manager || typeof queue?.prependListener !== 'function') return false;
  const corked = new WeakSet<Socket>();
  // Prepended: it runs before the client's own listener, which writes the queued packets.
  queue.prependListener('readable', () => {
    const socket = manager.socket;
    if (!socket || socket.destroyed || corked.has(socket)) return;
    socket.cork();
    corked.add(socket);
    setImmediate(() => {
      corked.delete(socket);
      socket.uncork();
    });
  });
  return true;
}

/** The two fields of node-zookeeper-client's ConnectionManager this relies on. */
interface ManagerInternals {
  /** Emits 'readable' on every request queued; the client's listener writes it to the socket. */
  readonly packetQueue: EventEmitter;
  /** The current connection's socket (a new one per connection). */
  readonly socket: Socket | undefined;
}
