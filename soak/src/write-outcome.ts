import type { WriteOutcome } from './protocol.js';

/**
 * Codes of a failed update() that mean ZooKeeper never applied the write: refused before it was sent
 * (NOT_CONNECTED, ABORTED: "what it would have written does not happen later"), or invalid, or the node gone.
 * Every other failure (CONNECTION_LOSS, SESSION_EXPIRED, WORKER_CRASHED, OPERATION_TIMEOUT, CLOSED, BAD_VERSION
 * after retries, ...) may have been applied before its reply was lost: its outcome is unknown.
 */
const NOT_APPLIED: ReadonlySet<string> = new Set([
  'NOT_CONNECTED',
  'ABORTED',
  'NO_NODE',
  'NO_AUTH',
  'INVALID_DATA',
  'INVALID_PATH',
  'DATA_TOO_LARGE',
]);

export function writeOutcome(code: string): WriteOutcome {
  return NOT_APPLIED.has(code) ? 'not-applied' : 'unknown';
}
