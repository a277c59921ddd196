import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';

/** `zkit get PATH`: a node's properties, as `name = JSON` lines (the tree format's) or one JSON object. */
export function getCommand(context: ContextFactory): Command {
  return new Command('get')
    .description("print a node's properties")
    .argument('<path>', 'the node')
    .action(async (path: string, _flags: object, command: Command) => {
      const { out, client } = context(command);
      const properties = await (await client()).get(path);
      if (out.json) out.data(properties);
      else
        for (const key of Object.keys(properties).sort())
          out.line(`${out.colors.cyan(key)} = ${JSON.stringify(properties[key])}`);
    });
}
