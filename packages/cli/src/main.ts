#!/usr/bin/env node
// The `zkit` binary: runs one command and leaves with its exit code (0 ok, 1 failure, 2 usage).
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2));
