import type { SaslOptions } from '@zkit/client';
import { type Command, Option } from 'commander';
import { UsageError } from './exit-codes.js';
import { readSecretFile } from './secret-file.js';

/** The global SASL flags, as commander names them. */
export interface SaslFlags {
  readonly saslUser?: string;
  readonly saslPasswordFile?: string;
}

const HOW = '--sasl-password-file FILE or ZKIT_SASL_PASSWORD';

export function addSaslFlags(command: Command): Command {
  return command
    .option('--sasl-user <name>', 'authenticate with SASL DIGEST-MD5 as this user (env: ZKIT_SASL_USER)')
    .option(
      '--sasl-password-file <file>',
      "the SASL user's password (env: ZKIT_SASL_PASSWORD_FILE, or the password itself in ZKIT_SASL_PASSWORD)",
    )
    .addOption(
      // Refused, not unknown: commander's "unknown option '--sasl-password=...'" would print the password back.
      new Option('--sasl-password <password>').hideHelp().argParser(() => {
        throw new UsageError(
          `--sasl-password is refused: a password given as an argument shows in ps; use ${HOW}`,
        );
      }),
    );
}

/**
 * The client's `sasl` option from the flags and the environment (a flag wins over its variable): undefined unless a
 * user is named. The password comes from a file or ZKIT_SASL_PASSWORD, never from an argument, and no message here
 * holds it.
 */
export function saslOptions(flags: SaslFlags, env: NodeJS.ProcessEnv = process.env): SaslOptions | undefined {
  const username = flags.saslUser ?? (env.ZKIT_SASL_USER || undefined);
  const file =
    flags.saslPasswordFile !== undefined
      ? { name: '--sasl-password-file', path: flags.saslPasswordFile }
      : env.ZKIT_SASL_PASSWORD_FILE
        ? { name: 'ZKIT_SASL_PASSWORD_FILE', path: env.ZKIT_SASL_PASSWORD_FILE }
        : undefined;
  if (username === undefined) {
    const source = file?.name ?? (env.ZKIT_SASL_PASSWORD ? 'ZKIT_SASL_PASSWORD' : undefined);
    if (source)
      throw new UsageError(`${source} gives a SASL password but no user: --sasl-user or ZKIT_SASL_USER`);
    return undefined;
  }
  if (username === '') throw new UsageError('--sasl-user: expected a name');
  const password = file ? readSecretFile(file.name, file.path) : env.ZKIT_SASL_PASSWORD || undefined;
  if (password === undefined) throw new UsageError(`SASL user ${username} needs a password: ${HOW}`);
  return { username, password };
}
