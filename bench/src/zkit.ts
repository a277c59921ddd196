/**
 * zkit as the bench uses it: the library's defaults, except a silent logger so its records do not interleave
 * with the table (the worker still forwards them across the thread boundary; see boundary.ts).
 */
import { type ConnectOptions, connect, type ZooKeeper } from '@zkit/client';
import { pino } from 'pino';

export function connectZkit(
  connectionString: string,
  options: Omit<ConnectOptions, 'logger'> = {},
): Promise<ZooKeeper> {
  return connect(connectionString, { logger: pino({ level: 'silent' }), ...options });
}
