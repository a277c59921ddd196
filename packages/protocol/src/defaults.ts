/**
 * Every default of zkit, in one place: the options users may set (ConnectOptions) and the retry policies both threads
 * follow. Each is documented here; the options module of each package only applies them.
 */
import type { BackoffOptions, EndlessBackoffOptions } from './retry.js';

/** Where `connect()` goes when neither its argument nor `ZK_CONNECT` says. */
export const DEFAULT_CONNECTION_STRING = '127.0.0.1:2181';

/** The session timeout asked of ZooKeeper, in ms (the server clamps it to its min/max). */
export const DEFAULT_SESSION_TIMEOUT = 10_000;

/** How long `connect()` waits for a first session, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 30_000;

/**
 * How long the main thread may be unresponsive, in ms, before its registrations are withdrawn (0: never). Long enough
 * that a GC pause or a slow request never costs traffic; short enough that a wedged process stops getting it.
 */
export const DEFAULT_STALL_TIMEOUT = 60_000;

/**
 * ZooKeeper refuses packets over `jute.maxbuffer` (1 MiB by default) by dropping the connection, which would cost
 * the session a reconnect; refusing here keeps some room for the request's path and header.
 */
export const DEFAULT_MAX_DATA_BYTES = 1024 * 1024 - 4096;

/**
 * Children views of nodes with at least this many children follow them one change at a time through a persistent
 * recursive watch (ZooKeeper 3.6+), instead of re-reading the whole list on every change.
 */
export const DEFAULT_INCREMENTAL_CHILDREN_FROM = 1000;

/** The main thread's heartbeat: often enough to see a stall within a quarter of its timeout, at most 4 times a second. */
export const HEARTBEAT_INTERVAL = { min: 250, max: 1000 } as const;

/**
 * The handshake of one connection attempt waits sessionTimeout / servers (as ZooKeeper's own clients do), and never
 * less than this, in ms.
 */
export const MIN_HANDSHAKE_TIMEOUT = 250;

/** How long `close()` lets a worker end its session before terminating the thread, in ms. */
export const WORKER_CLOSE_GRACE = 3000;

/** Between attempts to start a replacement worker after one died. */
export const WORKER_REPLACEMENT_BACKOFF: EndlessBackoffOptions = { initial: 100, max: 5000 };

/** Between attempts at a new session after expiry; the ceiling grows with the session timeout (at least 1 s). */
export function sessionRenewalBackoff(sessionTimeout: number): EndlessBackoffOptions {
  return { initial: 200, max: Math.max(1000, sessionTimeout) };
}

/** Between attempts to place a registration's node (e.g. while the previous owner's node is still there). */
export const PLACEMENT_BACKOFF: EndlessBackoffOptions = { initial: 50, max: 1000 };

/** Between compare-and-set attempts of `update()` that met BAD_VERSION; gives up (BAD_VERSION) after 30. */
export const CONFLICT_BACKOFF: BackoffOptions = { initial: 5, max: 500, attempts: 30 };

/**
 * Between attempts at the first read of a service's child that failed for the session's sake (the worker was
 * replaced, the connection was lost): a services view keeps trying while the child is listed.
 */
export const CHILD_READ_BACKOFF: EndlessBackoffOptions = { initial: 100, max: 5000 };

/** Between re-reads of a watched node that failed; after 8 the views of it end with the error. */
export const REREAD_BACKOFF: BackoffOptions = { initial: 100, max: 5000, attempts: 8 };

/**
 * A service provider (`services.provider()`): picks by round robin, and leaves an instance out for `downFor` ms once
 * `downAfterErrors` errors were noted within `errorWindow` ms of the first: Curator's DownInstancePolicy numbers (2
 * errors, 30 s), so a mixed Java and Node fleet takes an instance out alike.
 */
export const DEFAULT_PROVIDER = {
  strategy: 'round-robin',
  downAfterErrors: 2,
  errorWindow: 30_000,
  downFor: 30_000,
} as const;

/**
 * One `multi` of a tree import or recursive delete holds at most this many operations and this many bytes of paths
 * and data: ZooKeeper refuses a request over jute.maxbuffer (1 MiB by default), and a smaller batch keeps one
 * transaction from holding the server's request pipeline for long.
 */
export const TREE_BATCH = { operations: 500, bytes: 512 * 1024 } as const;

/** A recursive delete that meets nodes added or deleted meanwhile reads the subtree again, this many times in all. */
export const TREE_DELETE_ATTEMPTS = 5;
