import type { TestProject } from 'vitest/node';
import { startZooKeeper } from './start.js';

export { uniquePath } from './unique-path.js';
export type { TestingProvidedContext } from './vitest-context.js';

/**
 * A vitest globalSetup: starts ONE standalone ZooKeeper for the whole run (or uses ZK_CONNECT, with a chroot
 * of its own) and provides its connection string as `inject('zkConnect')`; stops it after the run.
 *
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['@zkit/testing/vitest-setup'] } });
 * ```
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const zk = await startZooKeeper();
  project.provide('zkConnect', zk.connectionString);
  return () => zk.stop();
}
