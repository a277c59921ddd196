import { zkError } from './errors.js';
import type { JsonObject } from './messages.js';

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
