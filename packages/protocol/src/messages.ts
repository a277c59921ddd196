/**
 * The messages between the main thread (@zkit/client) and the session worker (@zkit/worker).
 * Both sides import this module (@zkit/protocol); nothing else crosses the thread boundary.
 *
 *   main thread                                   worker thread
 *   ───────────                                   ─────────────
 *   comlink calls  ── WorkerApi (request) ──────▶ service.ts → session / watches / registrations
 *                  ◀── reply (value or WireError)
 *   event handler  ◀── WorkerEvent (postMessage) ─ state changes, children diffs, data, log records
 *   send()         ── WorkerCommand (one-way) ──▶ service.ts (no reply: e.g. dropping a watch)
 *   heartbeat SAB  ── Atomics counter ──────────▶ stall watchdog (layout: heartbeat.ts)
 *
 * Replies, events and commands share one CoalescingPort (port.ts) per side, so they arrive in the order they were sent
 * (what one turn of an event loop sends crosses as one message): the worker posts a write's effect on watched
 * nodes before the write's reply (read-your-writes on the main thread).
 */
import type { ZkErrorCode } from './errors.js';

/**
 * What users see of the session. `auth_failed` is final: ZooKeeper refused the credentials, and trying again with
 * the same ones would only open more sessions (calls reject with AUTH_FAILED until close()).
 */
export type SessionState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'auth_failed' | 'closed';

/** An error as it crosses the thread boundary: class is rebuilt from `code` on the other side. */
export interface WireError {
  readonly code: ZkErrorCode;
  readonly message: string;
  readonly path?: string;
  readonly stack?: string;
  /** For ZOOKEEPER_ERROR: node-zookeeper-client's exception name (e.g. `MARSHALLING_ERROR`), so nothing is lost. */
  readonly zkName?: string;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** One ACL entry, e.g. `{ scheme: 'world', id: 'anyone', perms: ['read'] }`. */
export interface AclEntry {
  readonly scheme: 'world' | 'auth' | 'digest' | 'ip' | 'x509' | 'sasl';
  readonly id: string;
  readonly perms: readonly Permission[];
}
export type Permission = 'read' | 'write' | 'create' | 'delete' | 'admin';

export interface AuthInfo {
  readonly scheme: string;
  /** Sent to ZooKeeper only; never logged, never echoed in errors or events. */
  readonly credentials: string;
}

/**
 * A certificate, key or CA bundle as the worker receives it: its contents (PEM text, or PEM/DER bytes), or a file
 * the worker reads again for every new connection, so rotated certificates are picked up without a restart.
 */
export type TlsSource = { readonly path: string } | { readonly data: string | Uint8Array };

/**
 * TLS for every connection of the session (reconnects, failover, new sessions, a replacement worker): the subset of
 * node's `tls.ConnectionOptions` that makes sense for ZooKeeper, structured-cloneable. An empty object is TLS with
 * node's default CAs. Key material and the passphrase are sent to node's tls only: never logged, never echoed.
 */
export interface TlsConfig {
  readonly ca?: readonly TlsSource[];
  readonly cert?: readonly TlsSource[];
  readonly key?: readonly TlsSource[];
  readonly pfx?: readonly TlsSource[];
  readonly passphrase?: string;
  /** SNI and the name the server's certificate must match; by default each server's host (no SNI for an IP). */
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  readonly ciphers?: string;
}

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * What may be shown of a TlsConfig (diagnostics): each entry's file path, or `(inline)` for PEM or bytes given
 * directly; `(set)` for a passphrase; the flags. Never key material, certificates or the passphrase.
 */
export interface TlsSummary {
  readonly ca?: readonly string[];
  readonly cert?: readonly string[];
  readonly key?: readonly string[];
  readonly pfx?: readonly string[];
  readonly passphrase?: '(set)';
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  readonly ciphers?: string;
}

/**
 * SASL authentication of every connection of the session, before any other request (ZooKeeper keeps the identity on
 * the connection): `sasl:<username>` ACL ids then match it. DIGEST-MD5 is what ZooKeeper's DigestLoginModule serves.
 */
export interface SaslConfig {
  readonly mechanism: 'DIGEST-MD5';
  readonly username: string;
  /** Sent to the worker only, which hashes it: never logged, never echoed in errors, events or diagnostics. */
  readonly password: string;
}

/** A session to resume (after the worker was replaced), so its ephemeral nodes survive. */
export interface SessionHandle {
  readonly id: string;
  readonly password: Uint8Array;
}

/**
 * The version of these messages. The client pins its worker package exactly, so the two always match when installed
 * by npm; a tool that starts the worker itself must send this, and the worker refuses any other (INVALID_OPTION).
 */
export const PROTOCOL_VERSION = 1;

export interface WorkerConfig {
  readonly protocolVersion: typeof PROTOCOL_VERSION;
  readonly connectionString: string;
  readonly sessionTimeout: number;
  readonly connectTimeout: number;
  readonly stallTimeout: number;
  readonly maxDataBytes: number;
  /** Children views of nodes with at least this many children use a persistent recursive watch (Infinity: never). */
  readonly incrementalChildrenFrom: number;
  readonly auth: readonly AuthInfo[];
  /** SASL on every connection; absent: none. */
  readonly sasl?: SaslConfig;
  /** TLS for every connection; absent: plain TCP. */
  readonly tls?: TlsConfig;
  /** ACL of nodes zkit creates: registrations, and parents it creates for them. */
  readonly registrationAcl: readonly AclEntry[];
  readonly parentAcl: readonly AclEntry[];
  /** Int32Array view: slot 0 is bumped by the main thread while it is alive. */
  readonly heartbeat: SharedArrayBuffer;
  readonly heartbeatInterval: number;
  /**
   * The main-thread logger's level as pino's number (`levelVal`; Infinity for silent), read when the worker starts:
   * records below it are not sent.
   */
  readonly minimumLogSeverity: number;
  readonly resume?: SessionHandle;
  /** Sessions this process owned before (hex ids): their leftover ephemeral nodes are ours to wait out. */
  readonly ownSessions: readonly string[];
}

export interface SessionInfo {
  readonly sessionId: string;
  readonly timeout: number;
}

/**
 * Identifies one call so the main thread can abort it: a `{ type: 'abort', id }` command reaches the worker, which
 * gives the call up at the next point where nothing has been written yet, or undoes what it wrote (a registration).
 */
export interface CallContext {
  readonly id: number;
}

/** A node's stat, as a one-shot `exists()` returns it. 64-bit values cross as decimal (zxids) or hex (owner). */
export interface NodeStat {
  readonly czxid: string;
  readonly mzxid: string;
  readonly ctime: number;
  readonly mtime: number;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** Hex session id of the owner for an ephemeral node, else null. */
  readonly ephemeralOwner: string | null;
  readonly dataLength: number;
  readonly numChildren: number;
}

/** Something that went wrong later, away from any call: the application hears of it through the client. */
export interface Failure {
  /** What failed: a registration that could not be restored, a watch that could not be kept, the session. */
  readonly kind: 'registration' | 'watch' | 'session' | 'worker';
  readonly path?: string;
  readonly error: WireError;
}

/** Node data decoded as zkit's properties: always an object. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface DataSnapshot {
  readonly properties: JsonObject;
  /** ZooKeeper's mzxid as a decimal string: orders snapshots of one node across sessions. */
  readonly mzxid: string;
  readonly version: number;
  /** Why the data was not a JSON object (then `properties` is `{ string_value }`): discovery skips such nodes. */
  readonly problem?: string;
}

export interface RegisterRequest {
  /** Full path of the ephemeral node: `parent/HOST:PORT`. */
  readonly path: string;
  /** Compact JSON, already validated and size-checked by the caller. */
  readonly data: string;
  /**
   * How missing parents are made: `container` (Curator's way, for discovery) makes nodes the server deletes once
   * their last child goes, where it supports them (3.5.3+; persistent before).
   * @default 'persistent'
   */
  readonly parents?: 'persistent' | 'container';
}

export type PropertiesWrite = 'update' | 'set';

/** One node of a subtree as `readTree` returns it: data decoded as views decode it, children sorted by name. */
export interface WireTreeNode {
  /** The node's last path segment; '' for `/`. */
  readonly name: string;
  readonly properties: JsonObject;
  /** The data version: what a compare-and-set write expects. */
  readonly version: number;
  /** Hex session id of the owner of an ephemeral node, else null. */
  readonly ephemeralOwner: string | null;
  readonly children: readonly WireTreeNode[];
}

/** A node and its children's names (sorted), read in one request. */
export interface NodeListing {
  readonly stat: NodeStat;
  readonly children: readonly string[];
}

/**
 * One operation of a `multi` (ZooKeeper's transaction): all apply or none. `version` is the data version the node
 * must still have (compare-and-set; -1 for any); `data` is the node's JSON as it will be stored.
 */
export type MultiOp =
  | { readonly op: 'create'; readonly path: string; readonly data: string; readonly acl: readonly AclEntry[] }
  | { readonly op: 'set'; readonly path: string; readonly data: string; readonly version: number }
  | { readonly op: 'delete'; readonly path: string; readonly version: number }
  | { readonly op: 'check'; readonly path: string; readonly version: number };

/** What the worker exposes through comlink. Every method may reject with a WireError-shaped ZkError. */
export interface WorkerApi {
  start(config: WorkerConfig): Promise<SessionInfo>;
  /** Aborting it withdraws the registration: the node is not created later, or is deleted if it was. */
  registerServer(request: RegisterRequest, call?: CallContext): Promise<void>;
  unregister(path: string, call?: CallContext): Promise<void>;
  /** Replaces a registration's data (the node is swapped in one transaction). */
  updateRegistration(request: RegisterRequest, call?: CallContext): Promise<void>;
  /** Deletes `path` if this session owns it: a registration whose outcome a dead worker took with it. */
  discardRegistration(path: string): Promise<void>;
  /** A replacement worker takes over the registrations of the one that died; nodes are placed in the background. */
  adoptRegistrations(requests: readonly RegisterRequest[]): Promise<void>;
  watchChildren(path: string, call?: CallContext): Promise<readonly string[]>;
  watchData(path: string, call?: CallContext): Promise<DataSnapshot>;
  /** One-shot reads: no watch is left behind. */
  getData(path: string, call?: CallContext): Promise<DataSnapshot>;
  getChildren(path: string, call?: CallContext): Promise<readonly string[]>;
  exists(path: string, call?: CallContext): Promise<NodeStat | null>;
  writeProperties(path: string, mode: PropertiesWrite, json: string, call?: CallContext): Promise<void>;
  /** Creates a persistent node (and missing parents) unless it exists; true when it was created. */
  ensure(path: string, json: string, call?: CallContext): Promise<boolean>;
  /**
   * Deletes one node; resolves when gone (already gone is fine). Subtrees go through readTree and multi, which
   * spare ephemeral nodes (the client's tree/delete-node.ts).
   */
  delete(path: string, call?: CallContext): Promise<void>;
  /**
   * The subtree at `path`, read at once (not one consistent snapshot: each node as it was when read). Paths in
   * `exclude` are left out with their subtrees; nodes deleted while it reads are left out. NO_NODE when `path` is.
   */
  readTree(path: string, exclude: readonly string[], call?: CallContext): Promise<WireTreeNode>;
  /** The node's stat and children, in one request; null when it does not exist. */
  listChildren(path: string, call?: CallContext): Promise<NodeListing | null>;
  /**
   * Applies `ops` in one ZooKeeper transaction, all or none. Not repeated after a lost connection (it may have been
   * applied); a refused operation rejects with its code (BAD_VERSION, NODE_EXISTS, NOT_EMPTY, NO_NODE...) and its
   * path.
   */
  multi(ops: readonly MultiOp[], call?: CallContext): Promise<void>;
  /** What the worker holds now: for operators' health checks, and for tests. */
  diagnostics(): Promise<Diagnostics>;
  /** Ends the session at once: ZooKeeper deletes its ephemeral nodes immediately. */
  close(): Promise<void>;
}

export type WatchKind = 'children' | 'data';

export interface Diagnostics {
  readonly state: SessionState;
  readonly sessionId: string | undefined;
  /** Paths with a ZooKeeper watch, one per path and kind however many views share it. */
  readonly watches: {
    readonly children: readonly string[];
    readonly data: readonly string[];
    /** The children paths followed one change at a time through a recursive watch. */
    readonly incremental: readonly string[];
  };
  /** Registered paths, and whether each node is in place now (not while suspended or being restored). */
  readonly registrations: readonly { readonly path: string; readonly present: boolean }[];
  readonly stalled: boolean;
  /** With ConnectOptions.tls (added by the client, not the worker): what the connections use, redacted. */
  readonly tls?: TlsSummary;
}

export type WorkerEvent =
  | { readonly type: 'state'; readonly state: SessionState; readonly session?: SessionHandle }
  | {
      readonly type: 'children';
      readonly path: string;
      readonly added: readonly string[];
      readonly removed: readonly string[];
    }
  | { readonly type: 'data'; readonly path: string; readonly snapshot: DataSnapshot }
  | { readonly type: 'deleted'; readonly kind: WatchKind; readonly path: string }
  /** The watch could not be kept (e.g. NO_AUTH after an ACL change): the views of it end with this error. */
  | { readonly type: 'ended'; readonly kind: WatchKind; readonly path: string; readonly error: WireError }
  /** A failure away from any call (a registration that cannot be restored, a watch that ended, AUTH_FAILED). */
  | { readonly type: 'failure'; readonly failure: Failure }
  | {
      readonly type: 'log';
      readonly level: LogLevel;
      readonly fields: Record<string, unknown>;
      readonly msg: string;
    };

/** One-way messages to the worker: nothing waits for them, so they cost no reply. */
export type WorkerCommand =
  | { readonly type: 'unwatch'; readonly kind: WatchKind; readonly path: string }
  /** The main thread gave up on call `id` (its AbortSignal fired); see CallContext. */
  | { readonly type: 'abort'; readonly id: number };

/** Commands carry this marker (comlink ignores messages that are not its own requests). */
export const COMMAND_TAG = 'zkit:command';
export interface TaggedCommand {
  readonly [COMMAND_TAG]: true;
  readonly command: WorkerCommand;
}

export function isTaggedCommand(data: unknown): data is TaggedCommand {
  return hasTag(data, COMMAND_TAG);
}

/** Events carry this marker so the main thread tells them from comlink replies on the same port. */
export const EVENT_TAG = 'zkit:event';
export interface TaggedEvent {
  readonly [EVENT_TAG]: true;
  readonly event: WorkerEvent;
}

export function isTaggedEvent(data: unknown): data is TaggedEvent {
  return hasTag(data, EVENT_TAG);
}

function hasTag(data: unknown, tag: string): boolean {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)[tag] === true;
}
