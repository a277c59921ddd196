// Type-only, erased at run time: brings 'vitest' into the program so the augmentation below can extend it.
import type {} from 'vitest';

/** What `@zkit/testing/vitest-setup` provides to every test file, read with `inject('zkConnect')`. */
export interface TestingProvidedContext {
  /** Connection string of the run's shared ZooKeeper (with its own chroot when ZK_CONNECT is set). */
  zkConnect: string;
}

// Re-exported as a type from the package's entry points, so that importing '@zkit/testing' (or its
// vitest-setup) is enough for `inject('zkConnect')` to be typed as a string.
declare module 'vitest' {
  export interface ProvidedContext extends TestingProvidedContext {}
}
