// TLS and SASL for the plugin's session: the settings name files only (certificates, keys, the passphrase, the
// password), so that neither `pm2 conf`, which prints the module conf, nor the `pm2 show` configuration, nor a log
// line ever holds a secret. The secrets are read from their files for each connection attempt.
import { accessSync, constants, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { SaslOptions, TlsOptions } from '@zkit/client';
import { PluginError } from './errors.js';

/** The TLS and SASL settings, resolved: file paths and names, never the secrets themselves. */
export interface SecureSettings {
  /** TLS to ZooKeeper; on too when any `tls_*` file or name is set. @default false */
  readonly tls: boolean;
  /** PEM CA(s) to trust instead of node's default ones. @default '' (node's CAs) */
  readonly tlsCa: string;
  /** PEM client certificate (mutual TLS), with `tlsKey`. @default '' */
  readonly tlsCert: string;
  /** PEM private key of `tlsCert`. @default '' */
  readonly tlsKey: string;
  /** A file holding the key's passphrase. @default '' */
  readonly tlsPassphraseFile: string;
  /** The name the servers' certificates must carry. @default '' (each host as in `connect`) */
  readonly tlsServername: string;
  /** SASL DIGEST-MD5 user. @default '' (no SASL) */
  readonly saslUser: string;
  /** A file holding the SASL user's password. @default '' */
  readonly saslPasswordFile: string;
}

/** Each setting's `pm2 set` key and environment variable: the zkit CLI's variables, so one environment serves both. */
export const SECURE_SETTINGS = {
  tls: { key: 'tls', env: 'ZKIT_TLS' },
  tlsCa: { key: 'tls_ca', env: 'ZKIT_TLS_CA' },
  tlsCert: { key: 'tls_cert', env: 'ZKIT_TLS_CERT' },
  tlsKey: { key: 'tls_key', env: 'ZKIT_TLS_KEY' },
  tlsPassphraseFile: { key: 'tls_passphrase_file', env: 'ZKIT_TLS_PASSPHRASE_FILE' },
  tlsServername: { key: 'tls_servername', env: 'ZKIT_TLS_SERVERNAME' },
  saslUser: { key: 'sasl_user', env: 'ZKIT_SASL_USER' },
  saslPasswordFile: { key: 'sasl_password_file', env: 'ZKIT_SASL_PASSWORD_FILE' },
} as const satisfies Record<keyof SecureSettings, { key: string; env: string }>;

/** Off, and no files: `''` is unset, as package.json's `"config"` lists it. */
export const SECURE_DEFAULTS = {
  tls: false,
  tlsCa: '',
  tlsCert: '',
  tlsKey: '',
  tlsPassphraseFile: '',
  tlsServername: '',
  saslUser: '',
  saslPasswordFile: '',
} as const satisfies SecureSettings;

type Setting = (typeof SECURE_SETTINGS)[keyof SecureSettings];

/** Names a setting in messages: its `pm2 set` key. */
const keyOf = (field: keyof SecureSettings): string => SECURE_SETTINGS[field].key;

/**
 * The settings from `read` (module conf, else env var; undefined when unset). TLS is on when asked for, or when any
 * TLS file or name is set (as with the zkit CLI); `tls` takes true/false, and 1/0 as ZKIT_TLS does for the CLI.
 */
export function readSecureSettings(read: (setting: Setting) => string | undefined): SecureSettings {
  const text = (field: Exclude<keyof SecureSettings, 'tls'>) =>
    read(SECURE_SETTINGS[field]) ?? SECURE_DEFAULTS[field];
  const files = {
    tlsCa: text('tlsCa'),
    tlsCert: text('tlsCert'),
    tlsKey: text('tlsKey'),
    tlsPassphraseFile: text('tlsPassphraseFile'),
    tlsServername: text('tlsServername'),
  };
  return {
    tls: tlsSwitch(read(SECURE_SETTINGS.tls)) || Object.values(files).some((value) => value !== ''),
    ...files,
    saslUser: text('saslUser'),
    saslPasswordFile: text('saslPasswordFile'),
  };
}

function tlsSwitch(value: string | undefined): boolean {
  if (value === undefined) return SECURE_DEFAULTS.tls;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw invalid(`${keyOf('tls')} ${JSON.stringify(value)} must be true or false`);
}

/**
 * Module conf keys refused outright, with the setting to use instead: a secret put in PM2's conf is printed by
 * `pm2 conf` and kept in its dump. The environment variables the zkit CLI reads for them (ZKIT_SASL_PASSWORD,
 * ZKIT_TLS_PASSPHRASE) are ignored rather than refused: the shell that started PM2 may hold them for the CLI.
 */
const REFUSED_KEYS: Readonly<Record<string, string>> = {
  sasl_password: keyOf('saslPasswordFile'),
  tls_passphrase: keyOf('tlsPassphraseFile'),
};

/** Throws on a secret in the module conf `conf` of the PM2 process `name`; the message never holds the value. */
export function refuseSecretKeys(conf: Readonly<Record<string, string>>, name: string): void {
  for (const [refused, instead] of Object.entries(REFUSED_KEYS)) {
    if (conf[refused] === undefined) continue;
    throw invalid(
      `module conf key ${refused} is refused: \`pm2 conf\` prints it; put the secret in a file, then ` +
        `\`pm2 unset ${name}:${refused}\` and \`pm2 set ${name}:${instead} <file>\``,
    );
  }
}

/**
 * Checks what can be checked before connecting, so a bad setting stops the plugin (exit 78) instead of being retried
 * forever: pairs (a certificate needs its key), files readable, secret files not empty, and the certificate, key and
 * passphrase loaded once by node (a key that does not match, a wrong passphrase). No message holds a secret.
 */
export function checkSecureSettings(settings: SecureSettings): void {
  const { tlsCert, tlsKey, tlsPassphraseFile, saslUser, saslPasswordFile } = settings;
  if (tlsCert !== '' && tlsKey === '') throw invalid(`${keyOf('tlsCert')} needs ${keyOf('tlsKey')} too`);
  if (tlsKey !== '' && tlsCert === '') throw invalid(`${keyOf('tlsKey')} needs ${keyOf('tlsCert')} too`);
  if (tlsPassphraseFile !== '' && tlsKey === '')
    throw invalid(`${keyOf('tlsPassphraseFile')} needs ${keyOf('tlsKey')}`);
  if (saslPasswordFile !== '' && saslUser === '')
    throw invalid(`${keyOf('saslPasswordFile')} gives a SASL password but ${keyOf('saslUser')} is not set`);
  if (saslUser !== '' && saslPasswordFile === '')
    throw invalid(`SASL user ${JSON.stringify(saslUser)} needs ${keyOf('saslPasswordFile')}`);
  for (const field of ['tlsCa', 'tlsCert', 'tlsKey'] as const) {
    if (settings[field] !== '') readable(keyOf(field), settings[field]);
  }
  const { tls } = connectOptions(settings);
  if (typeof tls === 'object') loadable(settings, tls.passphrase);
}

/** `connect()`'s `tls` and `sasl` options, the secrets read from their files now. */
export function connectOptions(settings: SecureSettings): { tls?: TlsOptions | true; sasl?: SaslOptions } {
  const { tlsCa, tlsCert, tlsKey, tlsPassphraseFile, tlsServername, saslUser, saslPasswordFile } = settings;
  // Files as { path }: the client reads them again on every new connection, so rotated certificates are used.
  const tls: TlsOptions = {
    ...(tlsCa !== '' && { ca: { path: tlsCa } }),
    ...(tlsCert !== '' && { cert: { path: tlsCert } }),
    ...(tlsKey !== '' && { key: { path: tlsKey } }),
    ...(tlsPassphraseFile !== '' && {
      passphrase: readSecretFile(keyOf('tlsPassphraseFile'), tlsPassphraseFile),
    }),
    ...(tlsServername !== '' && { servername: tlsServername }),
  };
  return {
    ...(settings.tls && { tls: Object.keys(tls).length === 0 ? true : tls }),
    ...(saslUser !== '' && {
      sasl: { username: saslUser, password: readSecretFile(keyOf('saslPasswordFile'), saslPasswordFile) },
    }),
  };
}

/**
 * A secret from a file, as the zkit CLI reads one (`--sasl-password-file`): the text without one trailing line end,
 * so `echo secret > file` and Docker/Kubernetes secret files both work. Errors name the setting and the file only.
 */
function readSecretFile(name: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(`${name} ${path}: cannot read the file (${errnoCode(error)})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw invalid(`${name} ${path}: the file is empty`);
  return secret;
}

function readable(name: string, path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw invalid(`${name} ${path}: cannot read the file (${errnoCode(error)})`);
  }
}

/** Loads the files as node will on connecting; OpenSSL's reason names no secret (and its error is not kept). */
function loadable(settings: SecureSettings, passphrase: string | undefined): void {
  const file = (path: string) => (path === '' ? undefined : readFileSync(path));
  try {
    createSecureContext({
      ca: file(settings.tlsCa),
      cert: file(settings.tlsCert),
      key: file(settings.tlsKey),
      passphrase,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown reason';
    const which = [keyOf('tlsCa'), keyOf('tlsCert'), keyOf('tlsKey'), keyOf('tlsPassphraseFile')].join(', ');
    throw invalid(`the TLS files (${which}) cannot be loaded: ${reason}`);
  }
}

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unreadable';
}

function invalid(message: string): PluginError {
  return new PluginError('INVALID_CONFIG', message);
}
