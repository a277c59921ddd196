import { splitPath, type WatchKind } from '@zkit/protocol';
import { errorFields, type Log } from '../log-forward.js';
import type { TreeEvent } from '../nzc/persistent-watch.js';
import { isLost } from '../session/lost.js';
import type { Client } from '../session/ops.js';
import type { Session } from '../session/session.js';
import { applyChanges, ChildChanges } from './child-changes.js';
import { RecursiveRoots } from './recursive-roots.js';
import { type AnyEntry, type ChildrenEntry, entryKey, viewClosed } from './watch-entry.js';

/** What the watch registry lends to incremental following. */
export interface IncrementalHost {
  /** The entry of (kind, path) in the registry, arming or armed. */
  entry(key: string): AnyEntry | undefined;
  /** Reads the entry again (once more, if a read is in flight). */
  refresh(entry: AnyEntry): void;
  /** Names added to and removed from an entry's children. */
  changed(entry: ChildrenEntry, added: readonly string[], removed: readonly string[]): void;
}

/**
 * Children views of big nodes, followed one change at a time. Re-reading costs O(children) per change; a
 * persistent recursive watch (ZooKeeper 3.6+) names each created or deleted child instead, so a change costs O(1).
 * That watch lives on the connection: it is added again, and the names read again, after every reconnect.
 *
 *   entry grows past `from` ──▶ incremental, unarmed ──▶ refresh: arm() (addWatch) then a full read
 *   tree event (created/deleted child) ──▶ ChildChanges (latest per name, barrier before removals) ──▶ changed()
 *   tree event on a riding data entry's node ──▶ refresh of that entry
 *   stop() ──▶ the recursive watch given back ──▶ riding data entries set a one-shot watch of their own
 */
export class IncrementalChildren {
  readonly #recursive: RecursiveRoots;
  /** Bumped on every new connection (or session): an add that spans one must be sent again. */
  #connections = 0;
  readonly #childChanges = new ChildChanges<ChildrenEntry>(
    (onReply) => this.#barrier(onReply),
    (entry, changes) => this.#apply(entry, changes),
  );

  constructor(
    private readonly session: Session,
    private readonly log: Log,
    private readonly host: IncrementalHost,
    /** Children views of nodes this big follow changes one by one (ConnectOptions.incrementalChildrenFrom). */
    private readonly from: number,
  ) {
    this.#recursive = new RecursiveRoots(
      session,
      log,
      (event) => this.#onTreeEvent(event),
      (path) => this.#dismount(path),
    );
  }

  /** Whether a new children view starts on a recursive watch at once. */
  startsIncremental(): boolean {
    return this.#recursive.supported && this.from === 0;
  }

  /** A data view of a recursive root reads without a one-shot watch of its own (ZOOKEEPER-4466, see DataEntry). */
  rides(path: string): boolean {
    return this.#recursive.has(path);
  }

  /**
   * Whether the server may hold a recursive watch of ours on `path`. On 3.6-3.8 it shares the data table with
   * one-shot watches, so removing a one-shot data watch there would take half of it.
   */
  covers(path: string): boolean {
    return this.#recursive.covers(path);
  }

  /** A node grown big switches to a recursive watch: one more full read, then every change costs O(1). */
  consider(entry: ChildrenEntry): void {
    if (entry.incremental || !this.#recursive.supported || entry.names.size < this.from) return;
    entry.incremental = true;
    entry.unarmed = true;
    this.log.debug({ path: entry.path, children: entry.names.size }, 'following children one by one');
    this.host.refresh(entry);
  }

  /**
   * Adds the entry's recursive watch, before its names are read. Falls back to re-reading (no longer incremental)
   * when the server has no such watches or adding one failed for a reason other than a lost connection (which the
   * caller's session.run retries).
   */
  async arm(client: Client, entry: ChildrenEntry): Promise<void> {
    // C10: a read that waited for the session must not add a watch for a view closed meanwhile: its removal found
    // no root then (the reconnect had cleared them), so nothing would ever remove this one.
    if (entry.dropped) throw viewClosed(entry.path);
    const connection = this.#connections;
    let held: boolean;
    try {
      held = await this.#recursive.add(client, entry.path);
    } catch (error) {
      if (isLost(error)) throw error;
      this.log.warn(
        { path: entry.path, ...errorFields(error) },
        'no recursive watch; re-reading children instead',
      );
      held = false;
    }
    if (entry.dropped) {
      void this.#recursive.remove(entry.path);
      throw viewClosed(entry.path);
    }
    // Added across a reconnect (queued on one connection, written on the next): node-zookeeper-client queues its
    // SetWatches behind it, and on 3.6-3.8 a one-shot data watch of the root re-set there takes half of the
    // recursive watch (ZOOKEEPER-4466). The entry stays unarmed, so its next read adds it again, after SetWatches.
    if (held && connection === this.#connections) entry.unarmed = false;
    else if (!held) this.#unsupported(entry);
  }

  /**
   * The entry's names were just read in full (in the read reply's turn): every change still pending for it came
   * from an event read before that reply, so the names already hold it, or a later state. Applied after them (its
   * barrier was answered after the read, e.g. on a new connection), a stale change would stay for good.
   */
  namesRead(entry: ChildrenEntry): void {
    this.#childChanges.forget(entry);
  }

  /** Stops following an entry; returns the removal of its recursive watch in flight, if any. */
  stop(entry: ChildrenEntry): Promise<void> | undefined {
    this.#childChanges.forget(entry);
    return this.#recursive.remove(entry.path);
  }

  /** A new session: the recursive watches went with the old one; every incremental entry must arm again. */
  sessionLost(entries: readonly AnyEntry[]): void {
    this.#connections += 1;
    this.#recursive.connectionLost();
    for (const entry of entries) if (entry.kind === 'children' && entry.incremental) entry.unarmed = true;
  }

  /**
   * The same session on a new connection: node-zookeeper-client re-set the one-shot watches itself, but recursive
   * watches stayed with the old connection, and what changed in between must be read.
   */
  reconnected(entries: readonly AnyEntry[]): void {
    this.#connections += 1;
    this.#recursive.connectionLost();
    for (const entry of entries) {
      if (entry.kind !== 'children' || !entry.incremental) continue;
      entry.unarmed = true;
      this.host.refresh(entry);
      this.#dismount(entry.path);
    }
  }

  #unsupported(entry: ChildrenEntry): void {
    entry.incremental = false;
    this.#dismount(entry.path);
  }

  /** A data entry riding on a recursive watch that is gone reads again, setting a one-shot watch of its own. */
  #dismount(path: string): void {
    const entry = this.host.entry(entryKey('data', path));
    if (entry?.kind === 'data' && entry.riding) this.host.refresh(entry);
  }

  /** What a recursive watch heard: a riding data entry's node, the watched node itself, or one of its children. */
  #onTreeEvent(event: TreeEvent): void {
    const data = this.#find('data', event.path);
    if (data?.kind === 'data' && data.riding) {
      if (event.type === 'deleted') data.replaced = true;
      this.host.refresh(data);
    }
    if (event.type === 'dataChanged') return;
    // The server sends one event per change even when two of our recursive watches cover it.
    const own = this.#find('children', event.path);
    if (own?.kind === 'children' && own.incremental && event.type === 'deleted') {
      this.host.refresh(own); // reports the deletion, or sees a node re-created at once
    }
    if (event.path === '/') return;
    const [parent, name] = splitPath(event.path);
    const entry = this.#find('children', parent);
    if (entry?.kind !== 'children' || !entry.incremental) return;
    this.#childChanges.note(entry, name, event.type === 'created');
  }

  #find(kind: WatchKind, path: string): AnyEntry | undefined {
    return this.host.entry(entryKey(kind, path));
  }

  #apply(entry: ChildrenEntry, changes: ReadonlyMap<string, boolean>): void {
    if (entry.dropped) return;
    const { added, removed } = applyChanges(entry.names, changes);
    this.host.changed(entry, added, removed);
  }

  /**
   * A round trip whose `onReply` runs in node-zookeeper-client's own callback, in the order of the socket read: a
   * promise would settle only after the rest of that read (see ChildChanges). Nothing may throw from there.
   */
  #barrier(onReply: () => void): void {
    const settle = (): void => {
      try {
        onReply();
      } catch (error) {
        this.log.error(errorFields(error), 'could not apply children changes');
      }
    };
    this.session.ready().then((client) => client.exists('/', settle), settle);
  }
}
