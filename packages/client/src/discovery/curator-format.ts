/**
 * Apache Curator x-discovery's instance JSON (Spring Cloud Zookeeper writes the same), read and written.
 * Measured against Curator 5.4: /work/shared/reference/curator-discovery-format.md (the repo's note on the format).
 *
 * Reading is tolerant where Curator is (coerced numeric strings, missing `enabled`, a payload without `@class`,
 * unknown fields) and better where Curator fails (a bad child is one problem, never the whole list). Writing gives
 * Curator 5's exact bytes, so its readers (`queryForInstances`, ServiceProvider, ServiceCache) accept them.
 */
import { isPlainObject, type JsonObject, type JsonValue, zkError } from '@zkit/protocol';
import { BARE_PAYLOAD_KEY, type Instance, type ParsedInstance, type UriSpecPart } from './instance.js';

/** Jackson's type id for a Map payload: what Curator's `ServiceDiscovery<Map>` readers expect. */
export const DEFAULT_PAYLOAD_CLASS = 'java.util.LinkedHashMap';

/** Curator's ServiceType names, written upper case; anything else fails Curator's reader, so ours too. */
const SERVICE_TYPES = new Set(['DYNAMIC', 'STATIC', 'PERMANENT', 'DYNAMIC_SEQUENTIAL']);

/**
 * Reads one child of a Curator service. `data` is the child's data as zkit decodes node data (a JSON object, or
 * `{ string_value }` when it is not one). `serviceName` stands in for a missing JSON `name`.
 *
 * - `id` is the znode name, not the JSON `id` (Curator reports the JSON one and never checks they agree): a view's
 *   `get(id)` and a path both name the child, and Curator's own writer makes them equal.
 * - `address` must be a non-empty string and at least one of `port`/`sslPort` set (1-65535, a numeric string
 *   accepted as Jackson coerces it): Curator lists `{}`, but an instance nobody can reach is no use to a picker.
 * - `data` is the payload without `@class` (`{}` when absent or null); a bare payload (string, number, boolean,
 *   a list) sits under BARE_PAYLOAD_KEY, a Jackson-wrapped list `["java.util.ArrayList",[...]]` unwrapped.
 * - `enabled` defaults to true; `registrationTimeUTC` (epoch ms, a numeric string or 1.7e12 accepted) is null when
 *   absent; `serviceType` and `registrationTimeUTC` of the wrong kind are rejected, as Curator rejects them.
 */
export function parseCuratorInstance(id: string, data: JsonObject, serviceName = ''): ParsedInstance {
  try {
    return { instance: instanceOf(id, data, serviceName) };
  } catch (error) {
    if (error instanceof BadInstance) return { id, problem: error.message };
    throw error;
  }
}

/** A child's data that is not a Curator instance: caught by parseCuratorInstance and turned into a problem. */
class BadInstance extends Error {}

function instanceOf(id: string, data: JsonObject, serviceName: string): Instance {
  const keys = Object.keys(data);
  if (keys.length === 1 && keys[0] === 'string_value')
    throw new BadInstance('node data is not a JSON object');
  const address = data.address;
  if (typeof address !== 'string' || address === '') throw new BadInstance('address is missing');
  const port = portOf(data.port, 'port');
  const sslPort = portOf(data.sslPort, 'sslPort');
  if (port === null && sslPort === null) throw new BadInstance('neither port nor sslPort is set');
  const serviceType = data.serviceType;
  if (serviceType !== undefined && serviceType !== null && !SERVICE_TYPES.has(serviceType as string)) {
    throw new BadInstance(`serviceType ${JSON.stringify(serviceType)} is not one of Curator's`);
  }
  return Object.freeze({
    id,
    name: typeof data.name === 'string' ? data.name : serviceName,
    address,
    port,
    sslPort,
    data: deepFreeze(payloadOf(data.payload)),
    enabled: enabledOf(data.enabled),
    uriSpec: uriSpecOf(data.uriSpec),
    registrationTime: timeOf(data.registrationTimeUTC),
  });
}

function portOf(value: JsonValue | undefined, field: string): number | null {
  if (value === undefined || value === null) return null;
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new BadInstance(`${field} ${JSON.stringify(value)} is not a port`);
  }
  return port;
}

function timeOf(value: JsonValue | undefined): number | null {
  if (value === undefined || value === null) return null;
  // Jackson coerces "1700000000000" and 1.7e12 into a long; an ISO date it rejects.
  const time = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw new BadInstance(`registrationTimeUTC ${JSON.stringify(value)} is not epoch milliseconds`);
  }
  return Math.trunc(time);
}

function enabledOf(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new BadInstance(`enabled ${JSON.stringify(value)} is not a boolean`);
}

function payloadOf(value: JsonValue | undefined): JsonObject {
  if (value === undefined || value === null) return {};
  if (isPlainObject(value)) {
    const { '@class': _type, ...rest } = value as JsonObject;
    return rest;
  }
  if (Array.isArray(value) && isJacksonWrapped(value)) return { [BARE_PAYLOAD_KEY]: value[1] as JsonValue };
  return { [BARE_PAYLOAD_KEY]: value };
}

/** Jackson's type wrapper for a non-object payload: `["java.util.ArrayList", [1, "x"]]`. */
function isJacksonWrapped(value: JsonValue[]): boolean {
  return (
    value.length === 2 &&
    typeof value[0] === 'string' &&
    /^[\w$]+(\.[\w$]+)+$/.test(value[0]) &&
    Array.isArray(value[1])
  );
}

function uriSpecOf(value: JsonValue | undefined): readonly UriSpecPart[] | null {
  if (value === undefined || value === null) return null;
  // Curator reads a string as a raw spec; a malformed one fails its reader, and ours.
  if (typeof value === 'string') {
    try {
      return parseUriSpec(value);
    } catch (error) {
      throw new BadInstance(`uriSpec: ${(error as Error).message}`);
    }
  }
  const parts = isPlainObject(value) ? value.parts : undefined;
  if (!Array.isArray(parts)) throw new BadInstance('uriSpec has no parts');
  return Object.freeze(
    parts.map((part) => {
      if (!isPlainObject(part) || typeof part.value !== 'string') {
        throw new BadInstance('uriSpec has a part without a string value');
      }
      return Object.freeze({ value: part.value, variable: part.variable === true });
    }),
  );
}

/**
 * Curator's UriSpec(String): `{name}` is a variable part, the text between is a literal part, empty parts are
 * dropped. `'{scheme}://{address}:{port}/api'` gives scheme, `://`, address, `:`, port, `/api`.
 * @throws InvalidInputError INVALID_OPTION on a nested `{`, a `}` without its `{`, or an unclosed `{`.
 */
export function parseUriSpec(spec: string): readonly UriSpecPart[] {
  const parts: UriSpecPart[] = [];
  let inVariable = false;
  let text = '';
  const flush = (variable: boolean) => {
    if (text !== '') parts.push(Object.freeze({ value: text, variable }));
    text = '';
  };
  for (const char of spec) {
    if (char === '{') {
      if (inVariable) throw zkError('INVALID_OPTION', `uriSpec ${spec}: { is not allowed inside a variable`);
      flush(false);
      inVariable = true;
    } else if (char === '}') {
      if (!inVariable) throw zkError('INVALID_OPTION', `uriSpec ${spec}: } must be preceded by {`);
      flush(true);
      inVariable = false;
    } else text += char;
  }
  if (inVariable) throw zkError('INVALID_OPTION', `uriSpec ${spec}: the last variable is not closed by }`);
  flush(false);
  return Object.freeze(parts);
}

/** The fields Curator writes for one instance (compatible mode: no `enabled`). */
export interface CuratorRecord {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  readonly port: number | null;
  readonly sslPort: number | null;
  /** Written with `@class` first; null is written as `null`. Any `@class` of its own is replaced. */
  readonly payload: JsonObject | null;
  /** @default DEFAULT_PAYLOAD_CLASS */
  readonly payloadClass?: string;
  /** Epoch milliseconds. */
  readonly registrationTimeUTC: number;
  /** @default 'DYNAMIC' (an ephemeral node) */
  readonly serviceType?: 'DYNAMIC' | 'STATIC' | 'PERMANENT';
  readonly uriSpec: readonly UriSpecPart[] | null;
}

/**
 * Curator 5's bytes for one instance: compact JSON, its nine keys in Jackson's order, explicit nulls, the payload's
 * `@class` first, and Jackson's escapes (see jacksonEscapes). The caller has checked the payload is plain JSON.
 */
export function serializeCuratorInstance(record: CuratorRecord): string {
  const payload =
    record.payload === null
      ? null
      : { '@class': record.payloadClass ?? DEFAULT_PAYLOAD_CLASS, ...withoutClass(record.payload) };
  const json = JSON.stringify({
    name: record.name,
    id: record.id,
    address: record.address,
    port: record.port,
    sslPort: record.sslPort,
    payload,
    registrationTimeUTC: record.registrationTimeUTC,
    serviceType: record.serviceType ?? 'DYNAMIC',
    uriSpec:
      record.uriSpec === null
        ? null
        : { parts: record.uriSpec.map(({ value, variable }) => ({ value, variable })) },
  });
  return jacksonEscapes(json);
}

function withoutClass(payload: JsonObject): JsonObject {
  const { '@class': _type, ...rest } = payload;
  return rest;
}

const NON_BMP = /[\u{10000}-\u{10FFFF}]/gu;
/** Each escape of JSON.stringify's output, an escaped backslash consumed whole so `\\u0041` is left alone. */
const ESCAPE = /\\(u[0-9a-f]{4}|.)/g;

/**
 * JSON.stringify and Jackson 2.14 agree except in two places, both inside strings: Jackson writes a character
 * outside the BMP as an escaped surrogate pair (`\uD83D\uDE00`, measured) where JSON.stringify writes it raw, and
 * Jackson's hex digits are upper case (`\u001F`).
 */
function jacksonEscapes(json: string): string {
  return json
    .replace(ESCAPE, (whole, body: string) =>
      body.length === 5 ? `\\u${body.slice(1).toUpperCase()}` : whole,
    )
    .replace(NON_BMP, (char) => `\\u${hex(char.charCodeAt(0))}\\u${hex(char.charCodeAt(1))}`);
}

function hex(unit: number): string {
  return unit.toString(16).toUpperCase().padStart(4, '0');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
