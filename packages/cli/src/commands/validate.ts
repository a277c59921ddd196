import { parseTree } from '@zkit/client';
import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';
import { readInput } from '../read-input.js';

/**
 * `zkit validate FILE|-` (zc.zk's zookeeper_validate): parses a tree text without a server. A bad text fails (exit
 * 1) with the parser's INVALID_DATA error, which names the line and column.
 */
export function validateCommand(context: ContextFactory): Command {
  return new Command('validate')
    .description('check a tree text without connecting (line and column of the first error)')
    .argument('<file>', 'the file, or - for stdin')
    .action(async (file: string, _flags: object, command: Command) => {
      const { out } = context(command);
      parseTree(await readInput(file));
      if (out.json) out.data({ file, valid: true });
      else out.line(`${file}: ${out.colors.green('valid')}`);
    });
}
