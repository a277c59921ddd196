import type { Client } from 'node-zookeeper-client';

/**
 * The zxid of the last reply this client read, or undefined if node-zookeeper-client's internals changed (it keeps
 * it in `connectionManager.zxid`, the ReplyHeader's zxid, to resume sessions). A server answers a connection's
 * requests in order, so a write sent after that reply is applied with a larger zxid.
 */
export function lastSeenZxid(client: Client): bigint | undefined {
  const manager = (client as unknown as { connectionManager?: { zxid?: unknown } }).connectionManager;
  const value = manager?.zxid;
  return Buffer.isBuffer(value) && value.length === 8 ? value.readBigInt64BE(0) : undefined;
}
