import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run the TypeScript sources (the worker too, through tsx); the build is checked by typecheck and by the
// child-process fixtures, which use the packages' dist.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@zkit\/protocol$/, replacement: src('protocol') },
      { find: /^@zkit\/worker\/nzc$/, replacement: src('worker').replace(/index.ts$/, 'nzc/index.ts') },
      { find: /^@zkit\/worker$/, replacement: src('worker') },
      { find: /^@zkit\/client$/, replacement: src('client') },
      { find: /^@zkit\/client\/internal$/, replacement: src('client').replace(/index.ts$/, 'internal.ts') },
      { find: /^@zkit\/testing$/, replacement: src('testing') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'test-e2e/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'soak/src/**/*.test.ts',
    ],
    globalSetup: ['./packages/testing/src/vitest-setup.ts'],
    // Forks, not threads: some tests block their own main thread on purpose, or send signals to a process.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    reporters: ['default'],
  },
});
