/**
 * node-zookeeper-client 1.1.3's one-shot watchers, as far as giving one back goes: its WatcherManager tables (an
 * EventEmitter per path, deleted as it fires) and removeWatches (opcode 18, ZooKeeper 3.5+), which it predates.
 * When to give a watch back is watches/one-shot-watches.ts.
 */
import type { EventEmitter } from 'node:events';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { type PacketQueue, removeWatchesRequest, send, WATCHER_TYPE } from './raw-request.js';
import { NO_WATCHER } from './reply-codes.js';

/** The library's tables one-shot watchers of a view live in: data (with exists) or children. */
export type WatcherKind = 'data' | 'children';
type Watcher = (event: zookeeper.Event) => void;

/** What a removeWatches came to. */
export type Removal =
  /** Gone from the server: removed, fired meanwhile (NOWATCHER), or lost with the connection or session. */
  | { readonly kind: 'done' }
  /** The server has no removeWatches (ZooKeeper before 3.5). */
  | { readonly kind: 'unimplemented' }
  | { readonly kind: 'failed'; readonly error: unknown };

/** The client's ConnectionManager, as far as watches go. */
export interface WatcherLibrary extends PacketQueue {
  readonly watcherManager: WatcherTables;
}

/** The event name WatcherManager registers one-shot watchers under. */
const NOTIFICATION = 'notification';

type Table = Record<string, EventEmitter | undefined>;
interface WatcherTables {
  readonly dataWatchers: Table;
  readonly childWatchers: Table;
  readonly existenceWatchers: Table;
}

/** The client's watcher tables, or undefined if the library's internals are not the ones this was written for. */
export function watcherLibraryOf(client: Client): WatcherLibrary | undefined {
  const manager = (client as unknown as { connectionManager?: Partial<WatcherLibrary> }).connectionManager;
  const tables = manager?.watcherManager as Partial<Record<keyof WatcherTables, unknown>> | undefined;
  const ok =
    typeof manager?.queue === 'function' &&
    [tables?.dataWatchers, tables?.childWatchers, tables?.existenceWatchers].every(
      (table) => typeof table === 'object' && table !== null,
    );
  return ok ? (manager as WatcherLibrary) : undefined;
}

/** Takes `watcher` out of the library; true when it was there (so the server holds the watch too). */
export function forgetWatcher(
  library: WatcherLibrary,
  kind: WatcherKind,
  path: string,
  watcher: Watcher,
): boolean {
  const tables = library.watcherManager;
  const table = kind === 'data' ? tables.dataWatchers : tables.childWatchers;
  const emitter = table[path];
  if (!emitter) return false;
  const before = emitter.listenerCount(NOTIFICATION);
  emitter.removeListener(NOTIFICATION, watcher);
  const after = emitter.listenerCount(NOTIFICATION);
  if (after === 0) delete table[path];
  return after < before;
}

/**
 * Another watcher of this client relies on the server's watch: the server keeps one per connection, kind and path
 * (its data table holds exists() watches too), and removeWatches removes it for all of them.
 */
export function serverWatchNeeded(library: WatcherLibrary, kind: WatcherKind, path: string): boolean {
  const tables = library.watcherManager;
  const count = (table: Table) => table[path]?.listenerCount(NOTIFICATION) ?? 0;
  return kind === 'data'
    ? count(tables.dataWatchers) + count(tables.existenceWatchers) > 0
    : count(tables.childWatchers) > 0;
}

/**
 * Removes the server's one-shot watch of `kind` on `path` (queued in this turn). NOWATCHER (it fired meanwhile) is
 * safe for the library only once reply-codes.ts is installed.
 */
export async function removeServerWatch(
  library: WatcherLibrary,
  kind: WatcherKind,
  path: string,
): Promise<Removal> {
  const type = kind === 'data' ? WATCHER_TYPE.data : WATCHER_TYPE.children;
  const { error } = await send(library, () => removeWatchesRequest(path, type));
  // NOWATCHER: it fired meanwhile. A lost connection or session took the watch with it (and SetWatches on the
  // next connection no longer carries it).
  if (error === null || [NO_WATCHER, CONNECTION_LOSS, SESSION_EXPIRED].some((code) => hasCode(error, code)))
    return { kind: 'done' };
  if (hasCode(error, UNIMPLEMENTED)) return { kind: 'unimplemented' };
  return { kind: 'failed', error };
}

const { CONNECTION_LOSS, SESSION_EXPIRED, UNIMPLEMENTED } = zookeeper.Exception;

function hasCode(error: unknown, code: number): boolean {
  return error instanceof zookeeper.Exception && error.getCode() === code;
}
