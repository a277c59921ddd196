import { randomBytes } from 'node:crypto';

/**
 * A fresh absolute path `/t-<prefix>-<random>` for one test's nodes, so suites sharing a server (the
 * globalSetup one, or ZK_CONNECT) never collide. Characters ZooKeeper paths cannot hold become '-'.
 */
export function uniquePath(prefix: string): string {
  const safe = prefix.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
  return `/t-${safe}-${randomBytes(5).toString('hex')}`;
}
