import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';

/** `zkit ls PATH`: the names of a node's children, sorted. */
export function lsCommand(context: ContextFactory): Command {
  return new Command('ls')
    .description("list a node's children")
    .argument('<path>', 'the node')
    .action(async (path: string, _flags: object, command: Command) => {
      const { out, client } = context(command);
      const names = await (await client()).getChildren(path);
      if (out.json) out.data(names);
      else for (const name of names) out.line(name);
    });
}
