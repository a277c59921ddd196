/**
 * The worker thread's code as ONE CommonJS file, dist/worker.bundle.cjs (+ .map), which the client starts (see
 * src/entry.ts).
 *
 *   dist/main.js (tsc) ── esbuild: @zkit/protocol, comlink, node-zookeeper-client, async, underscore ──▶ worker.bundle.cjs
 *
 * Every thread compiles its modules afresh in its own V8 isolate; unbundled, a worker resolves, reads and links
 * ~90 files (the ES module graph of dist/ and @zkit/protocol, comlink, node-zookeeper-client's CommonJS) before it
 * can connect. One file is read and compiled once, and only what main.js reaches is in it (pino, the client,
 * tests: not). CommonJS, not an ES module: a worker whose entry is an ES module first loads Node's ES module loader
 * (measured, Node 20.20: a worker answered its first message ~15 ms later, p50 of 15 starts, 40 vs 56 ms).
 * Source maps chain to the TypeScript sources (tsc's maps are read as input); `--enable-source-maps` uses them.
 */
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../dist/main.js', import.meta.url).pathname],
  outfile: new URL('../dist/worker.bundle.cjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // The conditions Node itself resolves with (esbuild adds `module` unless told otherwise): the same files run as
  // unbundled, e.g. underscore's `node` build, not its ES module sources.
  conditions: [],
  // nzc/version.ts reads the installed library's package.json through createRequire(import.meta.url); CommonJS has
  // no import.meta, so the bundle's own URL stands in for it (the library resolves from dist/ as from dist/nzc/).
  define: { 'import.meta.url': '__zkitBundleUrl' },
  banner: { js: "const __zkitBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  legalComments: 'eof',
});
