import { accessSync, constants, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { type TlsConfig, type TlsSource, type TlsSummary, type TlsVersion, zkError } from '@zkit/protocol';

/**
 * A CA, certificate or key, in one of three forms:
 * - a string holding `-----BEGIN` is PEM text;
 * - a `Uint8Array` (a `Buffer` too) holds the contents (PEM, or DER for `pfx`);
 * - any other string, or `{ path }`, is the path of a file, read again for every new connection: a rotated
 *   certificate is used from the next reconnect on, with no restart. Errors name a `{ path }` but never echo a bare
 *   string (it might be key material that lost its PEM header).
 */
export type TlsMaterial = string | Uint8Array | { readonly path: string };

/** TLS for every connection to ZooKeeper: the part of node's `tls.ConnectionOptions` that makes sense here. */
export interface TlsOptions {
  /** CAs trusted for the servers' certificates. @default node's bundled CAs */
  readonly ca?: TlsMaterial | readonly TlsMaterial[];
  /** Client certificate chain, for mutual TLS (ZooKeeper's default `ssl.clientAuth=need`); with `key`. */
  readonly cert?: TlsMaterial | readonly TlsMaterial[];
  /** Private key of `cert`. Never logged, never in an error. */
  readonly key?: TlsMaterial | readonly TlsMaterial[];
  /** PKCS#12 bundle of key and certificate, in place of `cert` and `key`. */
  readonly pfx?: TlsMaterial | readonly TlsMaterial[];
  /** Passphrase of `key` or `pfx`. Never logged, never in an error. */
  readonly passphrase?: string;
  /**
   * The name the servers' certificates must carry, sent as SNI, for every server. @default each server's host as
   * dialed (a hostname is sent as SNI; an IP address is checked against the certificate's IP SANs, without SNI)
   */
  readonly servername?: string;
  /** Refuse servers whose certificate does not verify (CA, name, dates). Turning it off allows anyone in the middle. @default true */
  readonly rejectUnauthorized?: boolean;
  /** @default node's ('TLSv1.2') */
  readonly minVersion?: TlsVersion;
  /** @default node's ('TLSv1.3') */
  readonly maxVersion?: TlsVersion;
  /** OpenSSL cipher list. @default node's */
  readonly ciphers?: string;
}

const MATERIAL_FIELDS = ['ca', 'cert', 'key', 'pfx'] as const;
const KNOWN = new Set<string>([
  ...MATERIAL_FIELDS,
  'passphrase',
  'servername',
  'rejectUnauthorized',
  'minVersion',
  'maxVersion',
  'ciphers',
]);
const VERSIONS = new Set<string>(['TLSv1.2', 'TLSv1.3']);

/**
 * `true` is TLS with node's default CAs; `false` or nothing is plain TCP. Checked here, certificates loaded once by
 * node, so a typo, a missing file or a wrong passphrase fails connect() at once (INVALID_OPTION) instead of after
 * connectTimeout. Nothing of the key material or the passphrase is echoed.
 */
export function checkTls(value: unknown): TlsConfig | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidTls('tls', 'must be true or { ca, cert, key, pfx, passphrase, servername, ... }');
  }
  const options = value as Record<string, unknown>;
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw invalidTls('tls', `has no option ${JSON.stringify(name)}`);
  }
  const config: TlsConfig = {
    ...materials(options),
    ...optionalString(options, 'passphrase'),
    ...optionalString(options, 'servername'),
    ...optionalString(options, 'ciphers'),
    ...optionalBoolean(options, 'rejectUnauthorized'),
    ...optionalVersion(options, 'minVersion'),
    ...optionalVersion(options, 'maxVersion'),
  };
  if (config.cert && !config.key && !config.pfx) throw invalidTls('tls.cert', 'needs tls.key');
  if (config.key && !config.cert) throw invalidTls('tls.key', 'needs tls.cert');
  checkLoadable(config);
  return config;
}

function materials(
  options: Record<string, unknown>,
): Partial<Record<(typeof MATERIAL_FIELDS)[number], TlsSource[]>> {
  const out: Partial<Record<(typeof MATERIAL_FIELDS)[number], TlsSource[]>> = {};
  for (const field of MATERIAL_FIELDS) {
    const value = options[field];
    if (value === undefined) continue;
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) throw invalidTls(`tls.${field}`, 'is an empty list');
    out[field] = list.map((entry: unknown) => source(`tls.${field}`, entry));
  }
  return out;
}

function source(name: string, entry: unknown): TlsSource {
  // A copy: a Buffer's pool stays behind, and what crosses to the worker is a plain Uint8Array.
  if (entry instanceof Uint8Array) return { data: new Uint8Array(entry) };
  if (typeof entry === 'string') {
    if (entry.includes('-----BEGIN')) return { data: entry };
    if (!readable(entry)) throw invalidTls(name, "is neither PEM text (no '-----BEGIN') nor a readable file");
    return { path: entry };
  }
  const path = (entry as { path?: unknown } | null)?.path;
  if (typeof entry === 'object' && entry !== null && typeof path === 'string') {
    if (!readable(path)) throw invalidTls(name, `cannot read the file ${path}`);
    return { path };
  }
  throw invalidTls(name, 'must be PEM text, a Buffer/Uint8Array, a file path, or { path }');
}

function readable(path: string): boolean {
  if (path === '' || path.includes('\n') || path.includes('\0')) return false;
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** node's own check of the material (a key that does not match, a wrong passphrase, a corrupt file). */
function checkLoadable(config: TlsConfig): void {
  const load = (sources: readonly TlsSource[] | undefined) =>
    sources?.map((entry) => ('path' in entry ? readFileSync(entry.path) : Buffer.from(entry.data)));
  try {
    createSecureContext({
      ...defined('ca', load(config.ca)),
      ...defined('cert', load(config.cert)),
      ...defined('key', load(config.key)),
      ...defined('pfx', load(config.pfx)),
      ...defined('passphrase', config.passphrase),
      ...defined('ciphers', config.ciphers),
      ...defined('minVersion', config.minVersion),
      ...defined('maxVersion', config.maxVersion),
    });
  } catch (error) {
    // OpenSSL's reasons ("bad decrypt", "key values mismatch") name no secret.
    throw invalidTls(
      'tls',
      `cannot be loaded by node: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function optionalString(options: Record<string, unknown>, name: 'passphrase' | 'servername' | 'ciphers') {
  const value = options[name];
  if (value === undefined) return {};
  // The passphrase's value is never echoed, only its type.
  if (typeof value !== 'string' || value === '')
    throw invalidTls(`tls.${name}`, 'must be a non-empty string');
  return { [name]: value };
}

function optionalBoolean(options: Record<string, unknown>, name: 'rejectUnauthorized') {
  const value = options[name];
  if (value === undefined) return {};
  if (typeof value !== 'boolean') throw invalidTls(`tls.${name}`, 'must be a boolean');
  return { [name]: value };
}

function optionalVersion(options: Record<string, unknown>, name: 'minVersion' | 'maxVersion') {
  const value = options[name];
  if (value === undefined) return {};
  if (typeof value !== 'string' || !VERSIONS.has(value)) {
    throw invalidTls(`tls.${name}`, "must be 'TLSv1.2' or 'TLSv1.3'");
  }
  return { [name]: value as TlsVersion };
}

/** What diagnostics() shows of a TLS configuration: file paths and which fields are set (see TlsSummary). */
export function describeTls(config: TlsConfig | undefined): TlsSummary | undefined {
  if (!config) return undefined;
  const show = (sources: readonly TlsSource[] | undefined) =>
    sources?.map((entry) => ('path' in entry ? entry.path : '(inline)'));
  return {
    ...defined('ca', show(config.ca)),
    ...defined('cert', show(config.cert)),
    ...defined('key', show(config.key)),
    ...defined('pfx', show(config.pfx)),
    ...defined('passphrase', config.passphrase === undefined ? undefined : ('(set)' as const)),
    ...defined('servername', config.servername),
    ...defined('rejectUnauthorized', config.rejectUnauthorized),
    ...defined('minVersion', config.minVersion),
    ...defined('maxVersion', config.maxVersion),
    ...defined('ciphers', config.ciphers),
  };
}

function invalidTls(name: string, why: string) {
  return zkError('INVALID_OPTION', `option ${name} ${why}`);
}
