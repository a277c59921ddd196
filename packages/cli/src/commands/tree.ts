import { Command, InvalidArgumentError } from 'commander';
import type { ContextFactory } from '../command-context.js';
import { readTree, renderTree } from '../tree-listing.js';

/** `zkit tree [PATH]`: the tree under a node, ephemeral nodes marked with their owner session and pid. */
export function treeCommand(context: ContextFactory): Command {
  return new Command('tree')
    .description('draw the tree under a node; ephemeral nodes show their owner session and pid')
    .argument('[path]', 'the node', '/')
    .option('-d, --depth <levels>', 'levels to show below the node', parseDepth)
    .action(async (path: string, flags: { depth?: number }, command: Command) => {
      const { out, client } = context(command);
      const tree = await readTree(
        await client(),
        path,
        flags.depth === undefined ? {} : { depth: flags.depth },
      );
      if (out.json) out.data(tree);
      else out.line(renderTree(tree, out.colors));
    });
}

function parseDepth(text: string): number {
  const depth = Number(text);
  if (!Number.isInteger(depth) || depth < 0) throw new InvalidArgumentError('expected a whole number');
  return depth;
}
