import {
  type AclEntry,
  DEFAULT_INCREMENTAL_CHILDREN_FROM,
  DEFAULT_MAX_DATA_BYTES,
  validatePath,
  zkError,
} from '@zkit/worker';
import { type Logger, pino } from 'pino';

export interface Auth {
  /** e.g. `'digest'` */
  readonly scheme: string;
  /** e.g. `'user:password'`; sent to ZooKeeper only, never logged. */
  readonly credentials: string;
}

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
}

export interface ResolvedOptions {
  readonly connectionString: string;
  readonly sessionTimeout: number;
  readonly connectTimeout: number;
  readonly logger: Logger;
  readonly auth: readonly Auth[];
  readonly stallTimeout: number;
  readonly registrationAcl: readonly AclEntry[];
  readonly parentAcl: readonly AclEntry[];
  readonly maxDataBytes: number;
  readonly incrementalChildrenFrom: number;
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

export const DEFAULT_CONNECTION_STRING = '127.0.0.1:2181';

export function resolveOptions(
  connectionString: string | undefined,
  options: ConnectOptions = {},
): ResolvedOptions {
  return {
    connectionString: checkConnectionString(
      connectionString ?? process.env.ZK_CONNECT ?? DEFAULT_CONNECTION_STRING,
    ),
    sessionTimeout: positive('sessionTimeout', options.sessionTimeout ?? 10_000),
    connectTimeout: positive('connectTimeout', options.connectTimeout ?? 30_000),
    logger: options.logger ?? pino(),
    auth: checkAuth(options.auth ?? []),
    stallTimeout: nonNegative('stallTimeout', options.stallTimeout ?? 60_000),
    registrationAcl: checkAcl('registrationAcl', options.registrationAcl ?? WORLD_READ),
    parentAcl: checkAcl('parentAcl', options.parentAcl ?? OPEN),
    maxDataBytes: positive('maxDataBytes', options.maxDataBytes ?? DEFAULT_MAX_DATA_BYTES),
    incrementalChildrenFrom: countOrInfinity(
      'incrementalChildrenFrom',
      options.incrementalChildrenFrom ?? DEFAULT_INCREMENTAL_CHILDREN_FROM,
    ),
  };
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

function checkAuth(auth: readonly Auth[]): readonly Auth[] {
  for (const entry of auth) {
    if (typeof entry?.scheme !== 'string' || entry.scheme === '' || typeof entry.credentials !== 'string') {
      // The credentials themselves are never echoed.
      throw invalidOption('auth', 'entries must be { scheme: string, credentials: string }');
    }
  }
  return auth.map(({ scheme, credentials }) => ({ scheme, credentials }));
}

const PERMISSIONS = new Set(['read', 'write', 'create', 'delete', 'admin']);
const SCHEMES = new Set(['world', 'auth', 'digest', 'ip']);

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
