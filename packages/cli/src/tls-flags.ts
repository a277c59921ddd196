import { accessSync, constants } from 'node:fs';
import type { TlsOptions } from '@zkit/client';
import type { Command } from 'commander';
import { UsageError } from './exit-codes.js';
import { readSecretFile } from './secret-file.js';

/** The global TLS flags, as commander names them. */
export interface TlsFlags {
  /** `--tls` (true), `--no-tls` (false: plain TCP whatever ZKIT_TLS* says), or neither. */
  readonly tls?: boolean;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsPassphraseFile?: string;
  readonly tlsServername?: string;
}

/** Each setting's flag and environment variable; a flag wins over its variable. */
const SETTINGS = {
  ca: { flag: '--tls-ca', variable: 'ZKIT_TLS_CA', key: 'tlsCa' },
  cert: { flag: '--tls-cert', variable: 'ZKIT_TLS_CERT', key: 'tlsCert' },
  key: { flag: '--tls-key', variable: 'ZKIT_TLS_KEY', key: 'tlsKey' },
  passphraseFile: {
    flag: '--tls-passphrase-file',
    variable: 'ZKIT_TLS_PASSPHRASE_FILE',
    key: 'tlsPassphraseFile',
  },
  servername: { flag: '--tls-servername', variable: 'ZKIT_TLS_SERVERNAME', key: 'tlsServername' },
} as const;

type Setting = keyof typeof SETTINGS;

/** A setting's value and where it came from (the flag or the variable), for messages. */
interface Given {
  readonly value: string;
  readonly name: string;
}

export function addTlsFlags(command: Command): Command {
  return command
    .option('--tls', 'connect over TLS, trusting the system CAs unless --tls-ca (env: ZKIT_TLS=1)')
    .option('--no-tls', 'plain TCP, ignoring the ZKIT_TLS* variables')
    .option(
      '--tls-ca <file>',
      'PEM CA(s) to trust instead of the system ones; implies --tls (env: ZKIT_TLS_CA)',
    )
    .option('--tls-cert <file>', 'PEM client certificate for mutual TLS, with --tls-key (env: ZKIT_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert (env: ZKIT_TLS_KEY)')
    .option(
      '--tls-passphrase-file <file>',
      "the key's passphrase (env: ZKIT_TLS_PASSPHRASE_FILE, or the passphrase in ZKIT_TLS_PASSPHRASE)",
    )
    .option(
      '--tls-servername <name>',
      "the name the servers' certificates must carry (default: each host as given; env: ZKIT_TLS_SERVERNAME)",
    );
}

/**
 * The client's `tls` option from the flags and the environment: undefined (plain TCP) unless `--tls`, `ZKIT_TLS=1`
 * or any TLS setting asks for it. Files are passed as `{ path }`, so the client reads them again on each new
 * connection (a rotated certificate is picked up on reconnect). A cert without its key, an unreadable file, or an
 * unknown ZKIT_TLS value is a usage error naming the flag or variable.
 */
export function tlsOptions(flags: TlsFlags, env: NodeJS.ProcessEnv = process.env): TlsOptions | undefined {
  if (flags.tls === false) {
    const clash = settingNames().find((setting) => flags[SETTINGS[setting].key] !== undefined);
    if (clash) throw new UsageError(`--no-tls contradicts ${SETTINGS[clash].flag}`);
    return undefined;
  }
  const given = (setting: Setting) => resolve(setting, flags, env);
  const ca = given('ca');
  const cert = given('cert');
  const key = given('key');
  const passphraseFile = given('passphraseFile');
  const servername = given('servername');
  const asked =
    flags.tls === true || tlsSwitch(env) || [ca, cert, key, passphraseFile, servername].some(Boolean);
  if (!asked) return undefined;
  if (cert && !key) throw new UsageError(`${cert.name} needs the key too (--tls-key or ZKIT_TLS_KEY)`);
  if (key && !cert)
    throw new UsageError(`${key.name} needs the certificate too (--tls-cert or ZKIT_TLS_CERT)`);
  const passphrase = passphraseOf(passphraseFile, env);
  if (passphrase !== undefined && !key) throw new UsageError('a TLS key passphrase needs --tls-key');
  return {
    ...(ca && { ca: { path: readable(ca) } }),
    ...(cert && { cert: { path: readable(cert) } }),
    ...(key && { key: { path: readable(key) } }),
    ...(passphrase !== undefined && { passphrase }),
    ...(servername && { servername: servername.value }),
  };
}

function settingNames(): Setting[] {
  return Object.keys(SETTINGS) as Setting[];
}

/** The flag's value, else the variable's; an empty variable counts as unset (`ZKIT_TLS_CA= zkit ...`). */
function resolve(setting: Setting, flags: TlsFlags, env: NodeJS.ProcessEnv): Given | undefined {
  const { flag, variable, key } = SETTINGS[setting];
  const fromFlag = flags[key];
  if (fromFlag !== undefined) {
    if (fromFlag === '') throw new UsageError(`${flag}: expected a value`);
    return { value: fromFlag, name: flag };
  }
  const fromEnv = env[variable];
  return fromEnv ? { value: fromEnv, name: variable } : undefined;
}

function tlsSwitch(env: NodeJS.ProcessEnv): boolean {
  const value = (env.ZKIT_TLS ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  throw new UsageError(`ZKIT_TLS=${env.ZKIT_TLS}: expected 1 or 0`);
}

/** From the file (flag or ZKIT_TLS_PASSPHRASE_FILE), else ZKIT_TLS_PASSPHRASE; never from an argument. */
function passphraseOf(file: Given | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (file) return readSecretFile(file.name, file.value);
  return env.ZKIT_TLS_PASSPHRASE || undefined;
}

function readable({ value, name }: Given): string {
  try {
    accessSync(value, constants.R_OK);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${name} ${value}: cannot read the file (${why})`);
  }
  return value;
}
