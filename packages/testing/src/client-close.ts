import type { Client } from 'node-zookeeper-client';
import { waitFor } from './wait-for.js';

/** The parts of node-zookeeper-client's ConnectionManager that `closeClient` needs (undocumented). */
interface ConnectionInternals {
  state: number;
  connect: () => void;
  socket?: { destroy(): void };
}

const CLOSED = -2;
const DISCONNECTED = 0;

/**
 * Makes node-zookeeper-client's close() final and bounded. Called while the client reconnects (its server just
 * died), close() races the connect attempt in flight: if that attempt reaches a live server, the library marks
 * itself connected again, sends the close, and its socket-close handler then starts yet another reconnect
 * (lib/ConnectionManager.js onSocketClosed). Switching reconnects off first rules that out; the wait for the
 * CLOSED state is bounded and ends by destroying the socket, so a closed observer never holds the process.
 */
export async function closeClient(client: Client): Promise<void> {
  const internals = connectionInternals(client);
  if (internals === undefined) {
    client.close();
    return;
  }
  if (internals.state === CLOSED) return;
  internals.connect = () => {};
  client.close();
  try {
    await waitFor(() => internals.state === CLOSED || internals.state === DISCONNECTED, {
      timeout: 2000,
      interval: 10,
      message: 'the ZooKeeper session to close',
    });
  } catch {
    internals.socket?.destroy();
  }
}

function connectionInternals(client: Client): ConnectionInternals | undefined {
  const manager: unknown = (client as unknown as { connectionManager?: unknown }).connectionManager;
  if (typeof manager !== 'object' || manager === null) return undefined;
  const candidate = manager as Partial<ConnectionInternals>;
  return typeof candidate.state === 'number' && typeof candidate.connect === 'function'
    ? (candidate as ConnectionInternals)
    : undefined;
}
