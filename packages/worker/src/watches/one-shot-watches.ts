import type { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import { errorFields, type Log } from '../log-forward.js';
import { type PacketQueue, removeWatchesRequest, send, WATCHER_TYPE } from '../nzc/raw-request.js';
import { NO_WATCHER } from '../nzc/reply-codes.js';
import type { Client } from '../session/ops.js';
import type { AnyEntry } from './watch-entry.js';

/**
 * Giving back the one-shot watch of a view that closed (C3). The server keeps a one-shot watch until it fires;
 * node-zookeeper-client keeps the watcher just as long and re-sends every watcher it keeps in one SetWatches on each
 * reconnect (ConnectionManager.onSocketConnected). So a closed view of a node that rarely changes would hold both
 * for good: the server's watch count grows, and so does SetWatches (past jute.maxbuffer the session can no longer
 * reconnect, ZOOKEEPER-706).
 *
 *   release(entry) ─▶ entry.watcher out of the library's WatcherManager
 *                  ─▶ a read in flight answered: out again (the library registers the watcher on the read's reply)
 *                  ─▶ the path's recursive watch given back, if it had one
 *                  ─▶ removeWatches (opcode 18) on the client that set the watch, unless another watcher still
 *                     needs the server's watch of that kind on that path
 *
 * The server answers NOWATCHER when the watch fired meanwhile (nzc/reply-codes.ts makes that safe) and UNIMPLEMENTED before
 * ZooKeeper 3.5: from then on closed views just leave their watch to fire once; the library no longer holds it, so
 * it is not re-sent and is gone after the next reconnect.
 */
export class OneShotWatches {
  #removeOnServer: boolean;

  constructor(
    private readonly log: Log,
    /** Whether a NOWATCHER reply is safe for the library (see nzc/reply-codes.ts). */
    safe: boolean,
    /** False where removing the server's watch would take more than the entry's own (a recursive root's half). */
    private readonly mayRemove: (entry: AnyEntry) => boolean,
  ) {
    this.#removeOnServer = safe;
  }

  /**
   * Gives back the watch of an entry just dropped, after `before` (the removal of its recursive watch). Resolves
   * once done, never rejects: a new watch of the same kind and path must be set only then, or the removal would take
   * the new watch away too (the server keeps one watch per connection, kind and path).
   */
  async release(entry: AnyEntry, before: Promise<void> | undefined): Promise<void> {
    try {
      const library = entry.client === undefined ? undefined : libraryOf(entry.client);
      let held = library !== undefined && forget(library, entry);
      await entry.request?.catch(() => {});
      held = (library !== undefined && forget(library, entry)) || held;
      await before;
      if (library && held) await this.#remove(library, entry);
    } catch (error) {
      this.log.debug(
        { path: entry.path, kind: entry.kind, ...errorFields(error) },
        'could not give a watch back',
      );
    }
  }

  async #remove(library: Library, entry: AnyEntry): Promise<void> {
    // Checked in the turn that queues the request: no watch of this path can be set in between.
    if (!this.#removeOnServer || stillNeeded(library, entry) || !this.mayRemove(entry)) return;
    const type = entry.kind === 'data' ? WATCHER_TYPE.data : WATCHER_TYPE.children;
    const { error } = await send(library, () => removeWatchesRequest(entry.path, type));
    // NOWATCHER: it fired meanwhile. A lost connection or session took the watch with it (and SetWatches on the
    // next connection no longer carries it).
    if (error === null || [NO_WATCHER, CONNECTION_LOSS, SESSION_EXPIRED].some((code) => hasCode(error, code)))
      return;
    if (hasCode(error, UNIMPLEMENTED)) {
      this.#removeOnServer = false;
      this.log.info({}, 'ZooKeeper has no removeWatches (3.5+): a closed view leaves its watch to fire once');
      return;
    }
    this.log.debug({ path: entry.path, kind: entry.kind, ...errorFields(error) }, 'could not remove a watch');
  }
}

const { CONNECTION_LOSS, SESSION_EXPIRED, UNIMPLEMENTED } = zookeeper.Exception;
/** The event name WatcherManager registers one-shot watchers under. */
const NOTIFICATION = 'notification';

/** node-zookeeper-client's WatcherManager tables: an EventEmitter per path, deleted as it fires. */
type Table = Record<string, EventEmitter | undefined>;
interface WatcherTables {
  readonly dataWatchers: Table;
  readonly childWatchers: Table;
  readonly existenceWatchers: Table;
}
/** The client's ConnectionManager, as far as watches go. */
interface Library extends PacketQueue {
  readonly watcherManager: WatcherTables;
}

function libraryOf(client: Client): Library | undefined {
  const manager = (client as unknown as { connectionManager?: Partial<Library> }).connectionManager;
  const tables = manager?.watcherManager as Partial<Record<keyof WatcherTables, unknown>> | undefined;
  const ok =
    typeof manager?.queue === 'function' &&
    [tables?.dataWatchers, tables?.childWatchers, tables?.existenceWatchers].every(
      (table) => typeof table === 'object' && table !== null,
    );
  return ok ? (manager as Library) : undefined;
}

/** Takes the entry's watcher out of the library; true when it was there (so the server holds the watch too). */
function forget(library: Library, entry: AnyEntry): boolean {
  const tables = library.watcherManager;
  const table = entry.kind === 'data' ? tables.dataWatchers : tables.childWatchers;
  const emitter = table[entry.path];
  if (!emitter) return false;
  const before = emitter.listenerCount(NOTIFICATION);
  emitter.removeListener(NOTIFICATION, entry.watcher);
  const after = emitter.listenerCount(NOTIFICATION);
  if (after === 0) delete table[entry.path];
  return after < before;
}

/**
 * Another watcher of this client relies on the server's watch: the server keeps one per connection, kind and path
 * (its data table holds exists() watches too), and removeWatches removes it for all of them.
 */
function stillNeeded(library: Library, entry: AnyEntry): boolean {
  const tables = library.watcherManager;
  const count = (table: Table) => table[entry.path]?.listenerCount(NOTIFICATION) ?? 0;
  return entry.kind === 'data'
    ? count(tables.dataWatchers) + count(tables.existenceWatchers) > 0
    : count(tables.childWatchers) > 0;
}

function hasCode(error: unknown, code: number): boolean {
  return error instanceof zookeeper.Exception && error.getCode() === code;
}
