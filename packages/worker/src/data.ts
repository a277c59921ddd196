import { zkError } from './errors.js';
import type { JsonObject } from './protocol.js';

/**
 * ZooKeeper refuses packets over `jute.maxbuffer` (1 MiB by default) by dropping the connection, which would cost
 * the session a reconnect; refusing here keeps some room for the request's path and header.
 */
export const DEFAULT_MAX_DATA_BYTES = 1024 * 1024 - 4096;

// Characters ZooKeeper's PathUtils.validatePath rejects.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const ILLEGAL_PATH_CHARS = /[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/;

/** Validates an absolute ZooKeeper path by the server's own rules; throws INVALID_PATH. */
export function validatePath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) throw invalidPath(path, 'must be a non-empty string');
  if (!path.startsWith('/')) throw invalidPath(path, "must start with '/'");
  if (path === '/') return path;
  if (path.endsWith('/')) throw invalidPath(path, "must not end with '/'");
  if (ILLEGAL_PATH_CHARS.test(path)) throw invalidPath(path, 'holds a character ZooKeeper refuses');
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') throw invalidPath(path, 'has an empty segment');
    if (segment === '.' || segment === '..') throw invalidPath(path, "has a '.' or '..' segment");
  }
  return path;
}

function invalidPath(path: unknown, why: string) {
  const shown = typeof path === 'string' ? JSON.stringify(path) : typeof path;
  return zkError('INVALID_PATH', `invalid ZooKeeper path ${shown}: ${why}`, {
    path: typeof path === 'string' ? path : undefined,
  });
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** `/a/b/c` as `['/a/b', 'c']`. */
export function splitPath(path: string): [parent: string, name: string] {
  const parent = parentOf(path);
  return [parent, path.slice(parent === '/' ? 1 : parent.length + 1)];
}

export function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** `[host, port]` or `'host:port'` (IPv6 as `'[::1]:8080'`), as zc.zk's address tuple. */
export type Address = readonly [host: string, port: number] | string;

/** Turns an address into the node name `HOST:PORT`; throws INVALID_ADDRESS. */
export function addressName(address: unknown): string {
  const [host, port] = splitAddress(address);
  if (typeof host !== 'string' || host.trim() === '' || host !== host.trim() || /[/\s]/.test(host)) {
    throw invalidAddress(address, 'the host must be a non-empty name without spaces or "/"');
  }
  if (ILLEGAL_PATH_CHARS.test(host)) throw invalidAddress(address, 'the host holds a control character');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidAddress(address, 'the port must be an integer from 1 to 65535');
  }
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function splitAddress(address: unknown): [unknown, unknown] {
  if (Array.isArray(address)) {
    if (address.length !== 2) throw invalidAddress(address, 'expected [host, port]');
    return [address[0], address[1]];
  }
  if (typeof address !== 'string') throw invalidAddress(address, "expected [host, port] or 'host:port'");
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  if (match === null) throw invalidAddress(address, "expected 'host:port'");
  return [match[1] ?? match[2], Number(match[3])];
}

function invalidAddress(address: unknown, why: string) {
  let shown: string;
  try {
    shown = JSON.stringify(address) ?? typeof address;
  } catch {
    shown = typeof address;
  }
  return zkError('INVALID_ADDRESS', `invalid server address ${shown}: ${why}`);
}

/**
 * Encodes a plain JSON object compactly. Refuses what JSON.stringify would silently change or drop (functions,
 * undefined, symbols, non-finite numbers, class instances such as Date or Map) and what it cannot encode (BigInt,
 * cycles), so that what is written reads back equal.
 */
export function encodeJsonObject(value: unknown, maxBytes: number, path?: string): string {
  if (!isPlainObject(value)) throw invalidData(path, 'expected a plain JSON object');
  checkJson(value, '$', new Set(), path);
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw zkError('DATA_TOO_LARGE', `node data of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`, {
      path,
    });
  }
  return text;
}

function checkJson(value: unknown, at: string, seen: Set<object>, path: string | undefined): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw invalidData(path, `${at} is ${value}, which JSON cannot hold`);
      return;
    case 'object':
      if (value === null) return;
      checkContainer(value, at, seen, path);
      return;
    default:
      throw invalidData(path, `${at} is a ${typeof value}, which JSON cannot hold`);
  }
}

function checkContainer(value: object, at: string, seen: Set<object>, path: string | undefined): void {
  if (seen.has(value)) throw invalidData(path, `${at} refers back to itself (a cycle)`);
  if (!Array.isArray(value) && !isPlainObject(value)) {
    throw invalidData(path, `${at} is a ${value.constructor?.name ?? 'non-plain'} object, not plain JSON`);
  }
  seen.add(value);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkJson(item, `${at}[${i}]`, seen, path);
  } else for (const [key, item] of Object.entries(value)) checkJson(item, `${at}.${key}`, seen, path);
  seen.delete(value);
}

function invalidData(path: string | undefined, why: string) {
  return zkError('INVALID_DATA', `invalid node data: ${why}`, { path });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export interface DecodedProperties {
  readonly properties: JsonObject;
  /** Why the data was not a JSON object, when it was not (logged by the caller). */
  readonly problem?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** zc.zk's reading of node data: empty is `{}`, a JSON object is itself, anything else is `{ string_value }`. */
export function decodeProperties(data: Uint8Array | undefined | null): DecodedProperties {
  if (data === undefined || data === null || data.length === 0) return { properties: {} };
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return {
      properties: { string_value: Buffer.from(data).toString('utf8') },
      problem: 'node data is not valid UTF-8',
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { properties: { string_value: text }, problem: 'node data is not JSON' };
  }
  if (!isPlainObject(parsed))
    return { properties: { string_value: text }, problem: 'node data is not an object' };
  return { properties: parsed as JsonObject };
}
