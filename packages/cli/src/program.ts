import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import type { CommandContext, ContextFactory } from './command-context.js';
import { exportCommand } from './commands/export.js';
import { getCommand } from './commands/get.js';
import { importCommand } from './commands/import.js';
import { lsCommand } from './commands/ls.js';
import { rmCommand } from './commands/rm.js';
import { servicesCommand } from './commands/services.js';
import { setCommand } from './commands/set.js';
import { treeCommand } from './commands/tree.js';
import { validateCommand } from './commands/validate.js';
import { watchCommand } from './commands/watch.js';
import { Connection, type ConnectionFlags } from './connection.js';
import { EXIT_OK, EXIT_USAGE, errorLine, exitCodeOf } from './exit-codes.js';
import { terminalOutput } from './output.js';
import { repeatable } from './repeatable.js';
import { addSaslFlags } from './sasl-flags.js';
import { addTlsFlags } from './tls-flags.js';

interface GlobalFlags extends ConnectionFlags {
  readonly json?: boolean;
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Runs one `zkit` command line (without `node` and the script) and resolves its exit code: 0 ok, 1 failure (one
 * `zkit: CODE: message` line on stderr), 2 usage (commander's message in the same form), 3 TLS_ERROR, 4
 * AUTH_FAILED (see exit-codes.ts). The session a command opened is closed before it resolves, whatever happened.
 */
export async function run(args: readonly string[]): Promise<number> {
  const connections: Connection[] = [];
  const context: ContextFactory = (command): CommandContext => {
    const flags = command.optsWithGlobals<GlobalFlags>();
    const connection = new Connection(flags);
    connections.push(connection);
    return { out: terminalOutput(flags.json === true), client: () => connection.open() };
  };
  try {
    await program(context).parseAsync(args, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Without a command commander prints the help alone; the one-line error comes after it.
      if (error.code === 'commander.help') process.stderr.write('zkit: USAGE: a command is needed\n');
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    process.stderr.write(`${errorLine(error)}\n`);
    return exitCodeOf(error);
  } finally {
    // A session that fails to close (the server gone meanwhile) expires on its own; the command's result stands.
    await Promise.allSettled(connections.map((connection) => connection.close()));
  }
}

function program(context: ContextFactory): Command {
  const root = new Command('zkit')
    .description('see and shape a ZooKeeper tree: export, import, tree, get, set, watch, services')
    .version(version)
    .option(
      '--zk <connection>',
      'host:port[,host:port...][/chroot] (default: $ZK_CONNECT, else 127.0.0.1:2181)',
    )
    .option(
      '--auth <scheme:credentials>',
      'credentials to add, e.g. digest:user:password (repeatable)',
      repeatable,
      [],
    )
    .option('--timeout <ms>', 'how long to try to connect', '10000')
    .option('--json', 'print JSON for scripts instead of text')
    .exitOverride()
    .configureOutput({
      // Usage errors in the same one-line form as every other error; commander prefixes its own with "error: ".
      outputError: (message, write) => write(`zkit: USAGE: ${withoutValues(message)}\n`),
    });
  addSaslFlags(addTlsFlags(root));
  const commands = [
    exportCommand,
    importCommand,
    validateCommand,
    getCommand,
    setCommand,
    lsCommand,
    treeCommand,
    rmCommand,
    watchCommand,
    servicesCommand,
  ];
  for (const make of commands) root.addCommand(make(context).copyInheritedSettings(root));
  return root;
}

/**
 * Commander's message without the value of an unknown `--flag=value`: a mistyped `--sasl-pasword=...` must not
 * print the password it was given.
 */
export function withoutValues(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/unknown option '(-[^'=]*)=[^']*'/, "unknown option '$1=...'")
    .trim();
}
