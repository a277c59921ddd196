/**
 * `zk.registerInstance()`: this process as an instance of a service in Apache Curator's x-discovery format, so
 * Curator's `queryForInstances`, ServiceProvider and ServiceCache (and Spring Cloud Zookeeper) find it.
 *
 * The node is ephemeral `BASE/NAME/ID` holding Curator 5's JSON (curator-format.ts), its missing parents containers
 * as Curator makes them. It is a Registration like registerServer's, restored after a new session, with one
 * difference from Curator: on a reconnect Curator deletes and re-creates its own node (so watchers see it blink,
 * and the czxid changes), while zkit checks the node's owner and keeps it (registrations/ephemeral-registry).
 * Also unlike Curator, a node of another session at the same path is not replaced: NODE_EXISTS, as registerServer.
 */
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import {
  encodeJsonObject,
  ILLEGAL_PATH_CHARS,
  isPlainObject,
  type JsonObject,
  joinPath,
  validatePath,
  zkError,
} from '@zkit/protocol';
import type { Registration } from '../registrations/registration.js';
import type { RegistrationCodec } from '../registrations/registration-codec.js';
import type { RegistrationList } from '../registrations/registration-list.js';
import type { CallOptions } from '../thread/abortable.js';
import {
  type CuratorRecord,
  DEFAULT_PAYLOAD_CLASS,
  parseUriSpec,
  serializeCuratorInstance,
} from './curator-format.js';

/** Options of `zk.registerInstance()`. At least one of `port` and `sslPort`. */
export interface InstanceOptions {
  /**
   * The address clients connect to: a host name or IP, written as is.
   * @default the first non-internal IPv4 address of os.networkInterfaces(), else '127.0.0.1'
   */
  readonly address?: string;
  /** The plain port (1-65535). */
  readonly port?: number;
  /** The TLS port (1-65535). */
  readonly sslPort?: number;
  /**
   * The instance's id, which is also its node's name: one path segment.
   * @default crypto.randomUUID(), as Curator
   */
  readonly id?: string;
  /** The payload: a plain JSON object, written with Jackson's `@class` first. @default none (`"payload":null`) */
  readonly data?: JsonObject;
  /**
   * The payload's Java class, as the reader's `ServiceDiscovery<T>` expects it; Spring Cloud Zookeeper reads
   * `org.springframework.cloud.zookeeper.discovery.ZookeeperInstance`.
   * @default 'java.util.LinkedHashMap' (a Map reader's)
   */
  readonly payloadClass?: string;
  /** A Curator UriSpec template, e.g. `'{scheme}://{address}:{port}/api'`, written as its parts. @default none */
  readonly uriSpec?: string;
  /** Gives the registration up, as for registerServer. */
  readonly signal?: AbortSignal | undefined;
}

/** An instance's registration: `data` is the payload (without `@class`); updates replace the payload. */
export type InstanceRegistration = Registration<Readonly<JsonObject>, CallOptions>;

const OPTION_KEYS = new Set([
  'address',
  'port',
  'sslPort',
  'id',
  'data',
  'payloadClass',
  'uriSpec',
  'signal',
]);
/** A Java binary class name: dotted identifiers (`$` for nested classes). */
const JAVA_CLASS = /^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$/u;

/**
 * Registers an instance of the service `base/name`; the time written as `registrationTimeUTC` is now, and stays
 * that of this first registration through updates and restores (Curator's does the same within a session).
 */
export async function registerInstance(
  registrations: RegistrationList,
  service: { readonly base: string; readonly name: string },
  options: unknown,
): Promise<InstanceRegistration> {
  const servicePath = joinPath(validatePath(service.base), segment(service.name, 'service name'));
  const checked = instanceOptions(options);
  const id = checked.id === undefined ? randomUUID() : segment(checked.id, 'instance id');
  const nodePath = validatePath(joinPath(validatePath(servicePath), id));
  const codec = instanceCodec({
    name: service.name,
    id,
    address: checked.address ?? defaultAddress(),
    port: checked.port ?? null,
    sslPort: checked.sslPort ?? null,
    payloadClass: checked.payloadClass ?? DEFAULT_PAYLOAD_CLASS,
    registrationTimeUTC: Date.now(),
    serviceType: 'DYNAMIC',
    uriSpec: checked.uriSpec === undefined ? null : parseUriSpec(checked.uriSpec),
  });
  return registrations.add(nodePath, codec, {
    data: checked.data,
    options: { signal: checked.signal },
  });
}

/**
 * Curator's JSON around a payload; everything but the payload fixed at registration, so an update or a replacement
 * worker writes the same instance. `data` is the payload as given (undefined: `null`, at registration only).
 */
function instanceCodec(
  record: Omit<CuratorRecord, 'payload'>,
): RegistrationCodec<Readonly<JsonObject>, CallOptions> {
  return {
    parents: 'container',
    encode(data, _options, { path, maxDataBytes }) {
      if (data !== undefined && !isPlainObject(data)) {
        throw zkError('INVALID_DATA', 'instance data must be a plain JSON object', { path });
      }
      // Checks the payload is plain JSON (what JSON.stringify would change or drop is refused).
      if (data !== undefined) encodeJsonObject(data, maxDataBytes, path);
      const payload = data === undefined ? null : (data as JsonObject);
      const json = serializeCuratorInstance({ ...record, payload });
      const bytes = Buffer.byteLength(json);
      if (bytes > maxDataBytes) {
        throw zkError(
          'DATA_TOO_LARGE',
          `instance data of ${bytes} bytes exceeds the limit of ${maxDataBytes} bytes`,
          {
            path,
          },
        );
      }
      return { data: Object.freeze({ ...(payload ?? {}) }), json };
    },
  };
}

function instanceOptions(options: unknown): InstanceOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw zkError(
      'INVALID_OPTION',
      'registerInstance options must be an object: { port, address?, data?, ... }',
    );
  }
  const unknown = Object.keys(options).filter((key) => !OPTION_KEYS.has(key));
  if (unknown.length > 0) {
    const known = [...OPTION_KEYS].join(', ');
    throw zkError(
      'INVALID_OPTION',
      `unknown registerInstance option ${JSON.stringify(unknown[0])}: ${known}`,
    );
  }
  const checked = options as InstanceOptions;
  if (checked.address !== undefined) checkAddress(checked.address);
  for (const key of ['port', 'sslPort'] as const) {
    const port: unknown = checked[key];
    if (
      port !== undefined &&
      (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65_535)
    ) {
      throw zkError('INVALID_ADDRESS', `${key} must be an integer from 1 to 65535, not ${String(port)}`);
    }
  }
  if (checked.port === undefined && checked.sslPort === undefined) {
    throw zkError('INVALID_OPTION', 'registerInstance needs a port or an sslPort');
  }
  const payloadClass: unknown = checked.payloadClass;
  if (payloadClass !== undefined && (typeof payloadClass !== 'string' || !JAVA_CLASS.test(payloadClass))) {
    throw zkError(
      'INVALID_OPTION',
      `payloadClass must be a Java class name, not ${JSON.stringify(payloadClass)}`,
    );
  }
  if (checked.uriSpec !== undefined && typeof checked.uriSpec !== 'string') {
    throw zkError('INVALID_OPTION', 'uriSpec must be a string such as "{scheme}://{address}:{port}"');
  }
  return checked;
}

/** Curator writes any string; one a client could not connect to (empty, spaces, a control character) is refused. */
function checkAddress(address: unknown): void {
  if (
    typeof address !== 'string' ||
    address === '' ||
    /\s/.test(address) ||
    ILLEGAL_PATH_CHARS.test(address)
  ) {
    throw zkError(
      'INVALID_ADDRESS',
      `address must be a host name or IP address, not ${JSON.stringify(address)}`,
    );
  }
}

/** A name that becomes one path segment; validatePath checks the characters once joined. */
function segment(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('/') || value === '.' || value === '..') {
    throw zkError('INVALID_PATH', `a ${what} is one non-empty path segment, not ${JSON.stringify(value)}`);
  }
  return value;
}

/** Curator's default too: the first address of the machine that is not loopback. */
function defaultAddress(): string {
  for (const entries of Object.values(networkInterfaces())) {
    const external = entries?.find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}
