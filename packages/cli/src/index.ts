// The `zkit` command line as a library: `run` is the binary without process.argv, and the tree listing behind
// `zkit tree` is exported for programs that want to show a fleet as the command does (the demo does).
export { run } from './program.js';
export type { ReadTreeOptions, TreeEntry } from './tree-listing.js';
export { readTree, renderTree } from './tree-listing.js';
