// Type-only, erased at run time: brings 'vitest' into the program so the augmentation below can extend it.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startZooKeeper } from './start.js';

export { uniquePath } from './unique-path.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the run's shared ZooKeeper (from `@zkit/testing/vitest-setup`). */
    zkConnect: string;
  }
}

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
