/**
 * Service discovery's data: an instance of a service as zkit reads it, from zkit's own registrations (`HOST:PORT`
 * children) or from Apache Curator's x-discovery format (which Spring Cloud Zookeeper writes too).
 */
import type { JsonObject, JsonValue } from '@zkit/protocol';

/** How a service's instances are written under its node. */
export type ServiceFormat = 'zkit' | 'curator';

/** One part of a Curator UriSpec, e.g. `{ value: 'port', variable: true }` for `{port}`. */
export interface UriSpecPart {
  readonly value: string;
  readonly variable: boolean;
}

/** One instance of a service: frozen; a change to it arrives as a new object (`updated`). */
export interface Instance {
  /** The child's name: `HOST:PORT` for zkit registrations, the instance id (a UUID by default) for Curator. */
  readonly id: string;
  /** The service's name: the last segment of the service's path (Curator: the JSON `name`). */
  readonly name: string;
  readonly address: string;
  /** null when the instance has no plain port (Curator allows an sslPort alone). */
  readonly port: number | null;
  readonly sslPort: number | null;
  /** zkit: the child's JSON (with `pid`). Curator: the payload object without Jackson's `@class`; {} when none. */
  readonly data: JsonObject;
  /** A disabled instance is listed but never picked. @default true */
  readonly enabled: boolean;
  /** Curator's uriSpec parts (null when unset, and for zkit registrations). */
  readonly uriSpec: readonly UriSpecPart[] | null;
  /** Curator's registrationTimeUTC (epoch ms); null for zkit registrations. */
  readonly registrationTime: number | null;
}

/** What changed in a services view since the last callback; each instance at most once across the three. */
export interface ServiceChange {
  readonly added: readonly Instance[];
  readonly removed: readonly Instance[];
  /** The new form of instances whose data changed (same id). */
  readonly updated: readonly Instance[];
}

/** A child that is not a valid instance: why, for the one log record it gets. */
export interface InstanceProblem {
  readonly id: string;
  readonly problem: string;
}

/** Parsing one child: an instance, or why not. */
export type ParsedInstance = { readonly instance: Instance } | InstanceProblem;

/** A value of a payload that is not an object is kept under this key of `data` (Curator allows bare payloads). */
export const BARE_PAYLOAD_KEY = 'value';

export type { JsonValue };
