import zookeeper from 'node-zookeeper-client';

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
      const exception = zookeeper.Exception as unknown as { create(code: number): Error };
      packet.callback?.(exception.create(zookeeper.Exception.CONNECTION_LOSS));
    } catch {
      // A callback that throws must not keep the others from their answer.
    }
  }
  return packets.length;
}
