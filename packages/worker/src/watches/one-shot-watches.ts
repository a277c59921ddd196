import { errorFields, type Log } from '../log-forward.js';
import {
  forgetWatcher,
  removeServerWatch,
  serverWatchNeeded,
  type WatcherLibrary,
  watcherLibraryOf,
} from '../nzc/one-shot-watchers.js';
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
  /** Released entries whose removeWatches has not gone out yet and may still be called off. */
  readonly #revocable = new WeakSet<AnyEntry>();
  /** Released entries whose removeWatches was called off: a new entry of the same (kind, path) keeps the watch. */
  readonly #superseded = new WeakSet<AnyEntry>();

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
    // Only a plain one-shot watch is handed over; one that waits for a recursive watch's removal goes its way.
    if (before === undefined) this.#revocable.add(entry);
    try {
      const library = entry.client === undefined ? undefined : watcherLibraryOf(entry.client);
      let held = library !== undefined && forgetWatcher(library, entry.kind, entry.path, entry.watcher);
      await entry.request?.catch(() => {});
      held = (library !== undefined && forgetWatcher(library, entry.kind, entry.path, entry.watcher)) || held;
      await before;
      if (library && held) await this.#remove(library, entry);
    } catch (error) {
      this.log.debug(
        { path: entry.path, kind: entry.kind, ...errorFields(error) },
        'could not give a watch back',
      );
    } finally {
      this.#revocable.delete(entry);
    }
  }

  /**
   * A new entry of the released entry's (kind, path) is about to send its first read. If the removal has not gone
   * out yet it never will (true): the new read sets the same server watch (one per connection, kind and path) and
   * no removeWatches can follow it and take it. False when the removal went out (or may): the new read must wait
   * for its reply. The library's watcher of the old entry is still taken out either way.
   */
  supersede(entry: AnyEntry): boolean {
    if (!this.#revocable.has(entry)) return false;
    this.#revocable.delete(entry);
    this.#superseded.add(entry);
    return true;
  }

  async #remove(library: WatcherLibrary, entry: AnyEntry): Promise<void> {
    // Checked in the turn that queues the request: no watch of this path can be set in between.
    if (this.#superseded.has(entry)) return;
    // From here the removal may go out: a new entry of this (kind, path) waits for it.
    this.#revocable.delete(entry);
    if (!this.#removeOnServer || serverWatchNeeded(library, entry.kind, entry.path) || !this.mayRemove(entry))
      return;
    const removal = await removeServerWatch(library, entry.kind, entry.path);
    if (removal.kind === 'done') return;
    if (removal.kind === 'unimplemented') {
      this.#removeOnServer = false;
      this.log.info({}, 'ZooKeeper has no removeWatches (3.5+): a closed view leaves its watch to fire once');
      return;
    }
    this.log.debug(
      { path: entry.path, kind: entry.kind, ...errorFields(removal.error) },
      'could not remove a watch',
    );
  }
}
