import { NodeError } from '@zkit/client';
import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';

interface RmFlags {
  readonly recursive: boolean;
  readonly force: boolean;
  readonly dryRun: boolean;
}

/**
 * `zkit rm PATH [-r] [--force] [--dry-run]`: deletes a node (with `-r` its subtree), never an ephemeral node or its
 * ancestors unless `--force` (those are listed as spared); `--dry-run` lists what would go and deletes nothing.
 */
export function rmCommand(context: ContextFactory): Command {
  return new Command('rm')
    .description('delete a node (-r: its subtree; ephemeral nodes are spared unless --force)')
    .argument('<path>', 'the node')
    .option('-r, --recursive', 'delete the subtree too', false)
    .option('--force', 'delete ephemeral nodes and their ancestors too', false)
    .option('--dry-run', 'list what would be deleted, delete nothing', false)
    .action(async (path: string, flags: RmFlags, command: Command) => {
      const { out, client } = context(command);
      const zk = await client();
      // The library treats a node already gone as done; asked to delete a path that is not there, rm fails.
      if ((await zk.exists(path)) === null)
        throw new NodeError('NO_NODE', 'the node does not exist', { path });
      const result = await zk.delete(path, flags);
      if (out.json) {
        out.data({ path, dryRun: flags.dryRun, ...result });
        return;
      }
      const { dim, yellow } = out.colors;
      for (const node of result.deleted)
        out.line(`${dim(flags.dryRun ? 'would delete' : 'deleted')} ${node}`);
      for (const { path: node, reason } of result.spared)
        out.line(`${yellow('spared')} ${node} ${dim(`(${reason})`)}`);
    });
}
