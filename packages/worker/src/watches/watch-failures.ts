import { exponentialBackoff, REREAD_BACKOFF, type RetryPolicy } from '@zkit/protocol';

/**
 * What a failed re-read of a watched node means for its watch (the one-shot watch has fired: nothing re-arms it
 * unless a read succeeds).
 * - deleted: NO_NODE, the node is gone; the view ends as deleted.
 * - stopped: the view was closed, the worker closed, or the connection or session was lost. Nothing to do here:
 *   after a reconnect the library re-sets the watch, after a new session every entry is read again (rearmAll).
 * - transient: the server did not answer in time or the session moved; reading again soon may well work.
 * - permanent: reading again cannot work (NO_AUTH after an ACL change, INVALID_ACL, a bug): the view ends with it.
 */
export type RereadFailure = 'deleted' | 'stopped' | 'transient' | 'permanent';

/** REREAD_BACKOFF: eight tries, 100 ms doubling to 5 s with jitter (about 12 s in all), before a transient failure ends a view. */
export const REREAD_RETRY: RetryPolicy = exponentialBackoff(REREAD_BACKOFF);

/** ZOOKEEPER_ERRORs whose cause is known and will not go away by asking again (KeeperException.Code names). */
const PERMANENT_ZOOKEEPER_ERRORS: ReadonlySet<string> = new Set([
  'BAD_ARGUMENTS',
  'UNIMPLEMENTED',
  'MARSHALLING_ERROR',
  'API_ERROR',
  'INVALID_CALLBACK',
]);

export function classifyFailure(error: unknown): RereadFailure {
  const { code, zkName } = (error ?? {}) as { code?: unknown; zkName?: unknown };
  switch (code) {
    case 'NO_NODE':
      return 'deleted';
    case 'ABORTED':
    case 'CLOSED':
    case 'CONNECTION_LOSS':
    case 'SESSION_EXPIRED':
      return 'stopped';
    case 'OPERATION_TIMEOUT':
    case 'SESSION_MOVED':
    case 'NOT_CONNECTED':
      return 'transient';
    case 'ZOOKEEPER_ERROR':
      return typeof zkName === 'string' && PERMANENT_ZOOKEEPER_ERRORS.has(zkName) ? 'permanent' : 'transient';
    default:
      return 'permanent';
  }
}
