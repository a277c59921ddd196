/**
 * The worker thread's code as ONE file, dist/worker.bundle.js (+ .map), which the client starts (see src/entry.ts).
 *
 *   dist/main.js (tsc) ── esbuild: @zkit/protocol, comlink, node-zookeeper-client, async, underscore ──▶ worker.bundle.js
 *
 * Every thread compiles its modules afresh in its own V8 isolate; unbundled, a worker resolves, reads and links
 * ~90 files (ESM graph of dist/, @zkit/protocol, comlink, node-zookeeper-client's CommonJS) before it can connect.
 * One file is read and compiled once. Only what main.js reaches is in it (pino, the client, tests: not).
 * Source maps chain to the TypeScript sources (tsc's maps are read as input); `--enable-source-maps` uses them.
 */
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../dist/main.js', import.meta.url).pathname],
  outfile: new URL('../dist/worker.bundle.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // The conditions Node itself resolves with (esbuild adds `module` unless told otherwise): the same files run as
  // unbundled, e.g. underscore's `node` build, not its ES module sources.
  conditions: [],
  // node-zookeeper-client is CommonJS and requires Node's built-ins; an ES module has no `require`, so the bundle
  // gets one. It also serves nzc/version.ts, which reads the installed library's package.json at run time.
  banner: {
    js: "import { createRequire as __zkitCreateRequire } from 'node:module';\nconst require = __zkitCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'eof',
});
