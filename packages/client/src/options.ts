import {
  type AclEntry,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_CONNECTION_STRING,
  DEFAULT_INCREMENTAL_CHILDREN_FROM,
  DEFAULT_MAX_DATA_BYTES,
  DEFAULT_SESSION_TIMEOUT,
  DEFAULT_STALL_TIMEOUT,
  heartbeatInterval,
  type SaslConfig,
  type SessionHandle,
  type TlsConfig,
  validatePath,
  zkError,
} from '@zkit/protocol';
import { type Logger, pino } from 'pino';
import { checkSignal } from './thread/abortable.js';
import { checkTls, type TlsOptions } from './tls-options.js';

export interface Auth {
  /** A lowercase identifier, e.g. `'digest'`. */
  readonly scheme: string;
  /** For `digest`: `'user:password'`. Sent to ZooKeeper only, never logged. */
  readonly credentials: string;
}

/**
 * SASL authentication, redone on every connection before any other request; `sasl:<username>` ACL ids match it.
 * A refused password is AUTH_FAILED, final (no other session is tried).
 */
export interface SaslOptions {
  /** The only one ZooKeeper's own DigestLoginModule serves. @default 'DIGEST-MD5' */
  readonly mechanism?: 'DIGEST-MD5';
  readonly username: string;
  /** Only a digest of it reaches ZooKeeper; never logged, never in an error, an event or `diagnostics()`. */
  readonly password: string;
}

/**
 * What a call made while the session is not connected does: `'queue'` waits for the connection to come back (as
 * ZooKeeper's own client does; bound the wait with a `signal`), `'reject'` fails at once with NOT_CONNECTED.
 */
export type OfflineCalls = 'queue' | 'reject';

export interface ConnectOptions {
  /** Session timeout asked of the server (which clamps it to its min/max). @default 10000 */
  readonly sessionTimeout?: number;
  /** How long `connect()` tries before rejecting with CONNECT_TIMEOUT. @default 30000 */
  readonly connectTimeout?: number;
  /** Where zkit logs, as a `ZooKeeper` child logger. @default pino() */
  readonly logger?: Logger;
  /** Credentials added to every session, new ones after an expiry too. @default [] */
  readonly auth?: readonly Auth[];
  /**
   * TLS for every connection (reconnects, failover, new sessions, a replacement worker), e.g.
   * `{ ca, cert, key }` for mutual TLS, whose certificate gives the session an `x509:CN=...` identity for ACLs;
   * `true`: TLS with node's default CAs. A failed handshake makes connect() reject with TLS_ERROR. See TlsOptions.
   * @default false (plain TCP)
   */
  readonly tls?: boolean | TlsOptions;
  /** SASL authentication of every connection, e.g. `{ username: 'svc', password }`. @default none */
  readonly sasl?: SaslOptions;
  /**
   * When the main thread shows no life for this long, the worker removes this process's registrations (a wedged
   * process should get no traffic) and puts them back when it recovers. 0 disables. @default 60000
   */
  readonly stallTimeout?: number;
  /**
   * ACL of registration nodes. @default world read-only: `[{ scheme: 'world', id: 'anyone', perms: ['read'] }]`
   */
  readonly registrationAcl?: readonly AclEntry[];
  /** ACL of parent nodes zkit creates for registrations. @default world all (ZooKeeper's OPEN_ACL_UNSAFE) */
  readonly parentAcl?: readonly AclEntry[];
  /** Largest node data zkit writes, in bytes; keep it under the servers' `jute.maxbuffer`. @default 1044480 */
  readonly maxDataBytes?: number;
  /**
   * A children view of a node with at least this many children follows changes one by one, through a persistent
   * recursive watch (ZooKeeper 3.6+), instead of re-reading every name after each change. Such a watch also
   * hears every change deeper down (filtered in the worker), so it pays off for big flat nodes. `0`: always;
   * `Infinity`: never. @default 1000
   */
  readonly incrementalChildrenFrom?: number;
  /**
   * Calls made while the state is not `connected` (`connecting`, `disconnected`, `expired`) wait for the connection
   * (`'queue'`) or reject at once with NOT_CONNECTED (`'reject'`), like ioredis's `enableOfflineQueue: false`. A call
   * already sent when the connection drops still waits. Reads of views never wait, so they are not affected.
   * @default 'queue'
   */
  readonly offlineCalls?: OfflineCalls;
  /** Gives `connect()` up: it rejects at once with ABORTED, and the worker it started is stopped. */
  readonly signal?: AbortSignal;
  /**
   * Takes over a session this program held before, by the id and password `zk.session` gave it (persisted, say, by a
   * process that then crashed): its ephemeral nodes (registrations) stay in place instead of waiting out the session
   * timeout, and registering the same paths again adopts them. If the session has expired meanwhile, a new one is
   * opened as without this option. Never resume a session another live process still uses: ZooKeeper moves it to
   * whichever connected last. The password is a secret (store it like one). @default none: a new session
   */
  readonly resume?: SessionHandle;
}

export interface ResolvedOptions {
  readonly connectionString: string;
  readonly sessionTimeout: number;
  readonly connectTimeout: number;
  readonly logger: Logger;
  readonly auth: readonly Auth[];
  readonly tls: TlsConfig | undefined;
  readonly sasl: SaslConfig | undefined;
  readonly stallTimeout: number;
  /** How often the main thread beats for the worker's stall watchdog, in ms (from `stallTimeout`). */
  readonly heartbeatInterval: number;
  readonly registrationAcl: readonly AclEntry[];
  readonly parentAcl: readonly AclEntry[];
  readonly maxDataBytes: number;
  readonly incrementalChildrenFrom: number;
  readonly offlineCalls: OfflineCalls;
  readonly resume: SessionHandle | undefined;
}

export const WORLD_READ: readonly AclEntry[] = [{ scheme: 'world', id: 'anyone', perms: ['read'] }];
export const OPEN: readonly AclEntry[] = [
  { scheme: 'world', id: 'anyone', perms: ['read', 'write', 'create', 'delete', 'admin'] },
];
/** Only sessions authenticated as the creator may change it; anyone may read it. */
export const CREATOR_ALL_WORLD_READ: readonly AclEntry[] = [
  { scheme: 'auth', id: '', perms: ['read', 'write', 'create', 'delete', 'admin'] },
  { scheme: 'world', id: 'anyone', perms: ['read'] },
];

export function resolveOptions(
  connectionString: string | undefined,
  options: ConnectOptions = {},
): ResolvedOptions {
  // Not kept: the signal belongs to connect() alone, which openZooKeeper is handed separately.
  checkSignal(options.signal);
  const checked = {
    connectionString: checkConnectionString(
      connectionString ?? process.env.ZK_CONNECT ?? DEFAULT_CONNECTION_STRING,
    ),
    sessionTimeout: positive('sessionTimeout', options.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT),
    connectTimeout: positive('connectTimeout', options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
    logger: options.logger ?? pino(),
    auth: checkAuth(options.auth ?? []),
    tls: checkTls(options.tls),
    sasl: options.sasl === undefined ? undefined : checkSasl(options.sasl),
    stallTimeout: nonNegative('stallTimeout', options.stallTimeout ?? DEFAULT_STALL_TIMEOUT),
    registrationAcl: checkAcl('registrationAcl', options.registrationAcl ?? WORLD_READ),
    parentAcl: checkAcl('parentAcl', options.parentAcl ?? OPEN),
    maxDataBytes: positive('maxDataBytes', options.maxDataBytes ?? DEFAULT_MAX_DATA_BYTES),
    incrementalChildrenFrom: countOrInfinity(
      'incrementalChildrenFrom',
      options.incrementalChildrenFrom ?? DEFAULT_INCREMENTAL_CHILDREN_FROM,
    ),
    offlineCalls: offlineCalls(options.offlineCalls ?? 'queue'),
    resume: options.resume === undefined ? undefined : checkResume(options.resume),
  };
  return { ...checked, heartbeatInterval: heartbeatInterval(checked.stallTimeout) };
}

function offlineCalls(value: unknown): OfflineCalls {
  if (value !== 'queue' && value !== 'reject')
    throw invalidOption('offlineCalls', "must be 'queue' or 'reject'");
  return value;
}

const SERVER = /^(?:\[[0-9a-fA-F:.]+\]|[^\s,/:[\]]+):\d{1,5}$/;

/** `host:port[,host:port...][/chroot]`, checked here so a typo fails at once instead of retrying forever. */
export function checkConnectionString(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidOption('connectionString', 'is empty');
  const slash = value.indexOf('/');
  const servers = slash === -1 ? value : value.slice(0, slash);
  for (const server of servers.split(',')) {
    if (!SERVER.test(server.trim())) {
      throw invalidOption('connectionString', `has ${JSON.stringify(server)}; expected HOST:PORT`);
    }
  }
  if (slash !== -1) validatePath(value.slice(slash));
  return value;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidOption(name, 'must be a positive number');
  }
  return value;
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(name, 'must be a number >= 0');
  }
  return value;
}

function countOrInfinity(name: string, value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidOption(name, 'must be a whole number >= 0, or Infinity');
  }
  return value;
}

/** A scheme as ZooKeeper's authentication providers name them (`digest`, `ip`, `x509`, ...). */
const SCHEME = /^[a-z][a-z0-9_-]*$/;
/** DigestAuthenticationProvider splits at the first colon: a user name, then a password (which may hold colons). */
const DIGEST = /^[^:]+:.+$/s;

/**
 * Checked here because ZooKeeper refuses bad credentials only after the session connected (AUTH_FAILED); a typo
 * caught now costs no session. The credentials themselves are never echoed.
 */
function checkAuth(auth: readonly Auth[]): readonly Auth[] {
  if (!Array.isArray(auth)) throw invalidOption('auth', 'must be an array');
  for (const entry of auth) {
    if (typeof entry?.scheme !== 'string' || typeof entry.credentials !== 'string') {
      throw invalidOption('auth', 'entries must be { scheme: string, credentials: string }');
    }
    if (!SCHEME.test(entry.scheme)) {
      throw invalidOption('auth', `scheme ${JSON.stringify(entry.scheme)} is not a lowercase identifier`);
    }
    if (entry.scheme === 'digest' && !DIGEST.test(entry.credentials)) {
      throw invalidOption('auth', "digest credentials must have the form 'user:password'");
    }
  }
  return auth.map(({ scheme, credentials }) => ({ scheme, credentials }));
}

/** A session id as ZooKeeper's 8 bytes in hex, and its 16-byte password. */
function checkResume(resume: SessionHandle): SessionHandle {
  const { id, password } = (resume ?? {}) as Partial<SessionHandle>;
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) {
    throw invalidOption('resume', 'id must be a session id of 16 lowercase hex digits (zk.session.id)');
  }
  if (!(password instanceof Uint8Array) || password.length !== 16) {
    throw invalidOption('resume', 'password must be the 16 bytes of zk.session.password');
  }
  return { id, password: new Uint8Array(password) };
}

/** Checked here so a typo costs no session; the password is never echoed. */
function checkSasl(sasl: SaslOptions): SaslConfig {
  if (typeof sasl !== 'object' || sasl === null || Array.isArray(sasl)) {
    throw invalidOption('sasl', 'must be { username, password, mechanism? }');
  }
  const { mechanism = 'DIGEST-MD5', username, password } = sasl;
  if (mechanism !== 'DIGEST-MD5') throw invalidOption('sasl', "mechanism must be 'DIGEST-MD5'");
  if (typeof username !== 'string' || username === '') {
    throw invalidOption('sasl', 'username must be a non-empty string');
  }
  if (typeof password !== 'string' || password === '') {
    throw invalidOption('sasl', 'password must be a non-empty string');
  }
  return { mechanism, username, password };
}

const PERMISSIONS = new Set(['read', 'write', 'create', 'delete', 'admin']);
const SCHEMES = new Set(['world', 'auth', 'digest', 'ip', 'x509', 'sasl']);

function checkAcl(name: string, acl: readonly AclEntry[]): readonly AclEntry[] {
  if (!Array.isArray(acl) || acl.length === 0) throw invalidOption(name, 'must be a non-empty array');
  for (const entry of acl) {
    const ok =
      SCHEMES.has(entry?.scheme) &&
      typeof entry.id === 'string' &&
      Array.isArray(entry.perms) &&
      entry.perms.length > 0 &&
      entry.perms.every((perm: unknown) => PERMISSIONS.has(perm as string));
    if (!ok)
      throw invalidOption(name, 'entries must be { scheme, id, perms: [read|write|create|delete|admin] }');
  }
  return acl.map((entry) => ({ scheme: entry.scheme, id: entry.id, perms: [...entry.perms] }));
}

function invalidOption(name: string, why: string) {
  return zkError('INVALID_OPTION', `option ${name} ${why}`);
}
