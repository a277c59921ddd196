/**
 * ZooKeeper 3.5.3+ container nodes for a node-zookeeper-client 1.1.3 client, which predates them. A container is a
 * persistent node the server deletes once its last child is gone (ContainerManager, every
 * `znode.container.checkIntervalMs`), which is how Curator makes a service's parents: an emptied service leaves
 * nothing behind.
 *
 *   createContainer ─▶ raw-request.ts send() ─▶ connectionManager.queue ─▶ socket   (opcode 19, CreateRequest body)
 *   reply (Create2Response, skipped) ─▶ null, or the library's Exception ─▶ ZkError
 */
import { zkError } from '@zkit/protocol';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { toZkError } from './exceptions.js';
import { chrooted, type Frame, int32, type PacketQueue, send, ustring } from './raw-request.js';

// org.apache.zookeeper.ZooDefs.OpCode.createContainer and CreateMode.CONTAINER's flag, read from the 3.8 jar.
const OP_CREATE_CONTAINER = 19;
const FLAG_CONTAINER = 4;

/** jute's ACL {int perms; Id {ustring scheme; ustring id}}. */
export interface WireAcl {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

/**
 * Creates `path` as an empty container node with `acl`. Resolves true when created, false when the server does not
 * know containers (before 3.5.3 it answers UNIMPLEMENTED): the caller then creates a persistent node instead.
 * Rejects with a ZkError as a create would (NODE_EXISTS, NO_NODE for a missing parent, ...).
 */
export async function createContainer(
  client: Client,
  path: string,
  acl: readonly WireAcl[],
): Promise<boolean> {
  const { error } = await send(packetQueueOf(client), () => containerRequest(path, acl));
  if (error === null) return true;
  if (error instanceof zookeeper.Exception && error.getCode() === zookeeper.Exception.UNIMPLEMENTED)
    return false;
  throw toZkError(error, path);
}

/** CreateRequest {ustring path; buffer data; vector<ACL> acl; int flags}, data empty as Curator sends it. */
function containerRequest(path: string, acl: readonly WireAcl[]): Frame {
  return {
    opcode: OP_CREATE_CONTAINER,
    body: (chroot) => [
      ustring(chrooted(chroot, path)),
      int32(0),
      int32(acl.length),
      ...acl.flatMap((entry) => [int32(entry.perms), ustring(entry.scheme), ustring(entry.id)]),
      int32(FLAG_CONTAINER),
    ],
  };
}

function packetQueueOf(client: Client): PacketQueue {
  const manager = (client as unknown as { connectionManager?: Partial<PacketQueue> }).connectionManager;
  if (typeof manager?.queue === 'function') return manager as PacketQueue;
  throw zkError('ZOOKEEPER_ERROR', 'node-zookeeper-client internals changed: cannot create container nodes');
}
