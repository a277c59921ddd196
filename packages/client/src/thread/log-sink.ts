import type { LogLevel } from '@zkit/protocol';
import type { Logger } from 'pino';

/** The worker's log records, written by the caller's pino logger under the `ZooKeeper` child with their levels. */
export function zooKeeperLogger(parent: Logger): Logger {
  return parent.child({ name: 'ZooKeeper' });
}

export function writeRecord(
  log: Logger,
  level: LogLevel,
  fields: Record<string, unknown>,
  msg: string,
): void {
  log[level](fields, msg);
}
