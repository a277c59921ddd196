#!/usr/bin/env node
// The `zkit` binary: runs one command and leaves with its exit code (0 ok, 1 failure, 2 usage).
import { run } from './program.js';

// `zkit export | head`: the reader left, which is not a failure of ours; stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await run(process.argv.slice(2));
