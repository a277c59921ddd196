import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';

/**
 * `zkit export [PATH] [-e] [-o FILE]` (zc.zk's zookeeper_export): the tree under PATH in the tree format, without
 * `/zookeeper` and, unless `-e`, without ephemeral nodes. `--json` wraps the text: `{ "path", "text" }`.
 */
export function exportCommand(context: ContextFactory): Command {
  return new Command('export')
    .description('write the tree under a node in the tree format')
    .argument('[path]', 'the node', '/')
    .option('-e, --ephemeral', 'include ephemeral nodes', false)
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (path: string, flags: { ephemeral: boolean; output?: string }, command: Command) => {
      const { out, client } = context(command);
      const text = await (await client()).exportTree(path, { ephemeral: flags.ephemeral });
      if (flags.output !== undefined) await writeFile(flags.output, text);
      if (out.json) out.data(flags.output === undefined ? { path, text } : { path, file: flags.output });
      else if (flags.output === undefined) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
