import { asZkError, isZkError, type ZkError, type ZkErrorCode, zkError } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';

/** node-zookeeper-client's exception names that zkit gives a code of their own (the names match the codes). */
const OWN_CODES = new Set<string>([
  'NO_NODE',
  'NODE_EXISTS',
  'NOT_EMPTY',
  'BAD_VERSION',
  'NO_AUTH',
  'AUTH_FAILED',
  'INVALID_ACL',
  'CONNECTION_LOSS',
  'SESSION_EXPIRED',
  'NO_CHILDREN_FOR_EPHEMERALS',
  'OPERATION_TIMEOUT',
  'SESSION_MOVED',
]);

/**
 * ZooKeeper's numbers for codes node-zookeeper-client 1.1.3 has no name for (KeeperException.Code): its
 * `Exception.create` throws on them, but an exception built elsewhere may still carry one.
 */
const BY_NUMBER: ReadonlyMap<number, ZkErrorCode> = new Map([[-118, 'SESSION_MOVED']]);

/**
 * Every node-zookeeper-client exception gets a code: the common ones their own, any other ZOOKEEPER_ERROR with the
 * library's name in `zkName`. A ZkError stays as it is. Anything else is a bug in zkit (or the library): INTERNAL,
 * keeping the original message, stack and the error itself as `cause`.
 */
export function toZkError(error: unknown, path: string): ZkError {
  if (isZkError(error)) return error;
  if (error instanceof zookeeper.Exception) {
    const name = error.getName();
    const code = OWN_CODES.has(name) ? (name as ZkErrorCode) : BY_NUMBER.get(error.getCode());
    if (code !== undefined) return zkError(code, `${describe(code)} (${path})`, { path });
    return zkError('ZOOKEEPER_ERROR', `ZooKeeper refused the request: ${name} (${path})`, {
      path,
      zkName: name,
    });
  }
  return asZkError(error, path);
}

function describe(code: ZkErrorCode): string {
  switch (code) {
    case 'NO_NODE':
      return 'the node does not exist';
    case 'NODE_EXISTS':
      return 'the node already exists';
    case 'NOT_EMPTY':
      return 'the node has children';
    case 'BAD_VERSION':
      return 'the node changed since it was read';
    case 'NO_AUTH':
      return 'not authorised: the node ACL does not allow this session to do that';
    case 'AUTH_FAILED':
      return 'authentication failed: ZooKeeper refused the credentials';
    case 'INVALID_ACL':
      return 'the ACL is invalid';
    case 'CONNECTION_LOSS':
      return 'the connection to ZooKeeper was lost before the request completed';
    case 'SESSION_EXPIRED':
      return 'the ZooKeeper session expired';
    case 'NO_CHILDREN_FOR_EPHEMERALS':
      return 'ephemeral nodes cannot have children';
    case 'OPERATION_TIMEOUT':
      return 'ZooKeeper did not answer in time';
    case 'SESSION_MOVED':
      return 'the session moved to another ZooKeeper server';
    default:
      return 'ZooKeeper refused the request';
  }
}
