import { applyChanges, ChildChanges } from './child-changes.js';
import { decodeProperties, splitPath } from './data.js';
import type { ZkError } from './errors.js';
import { type Emit, errorFields, type Log } from './log-forward.js';
import type { TreeEvent } from './persistent-watch.js';
import type { DataSnapshot, JsonObject, WatchKind } from './protocol.js';
import { RecursiveRoots } from './recursive-roots.js';
import { isLost, type Session } from './session.js';
import { type Client, EventType, getChildren, getData, type Stat, type Watcher, zxid } from './zk-ops.js';

/** Children views of nodes this big follow changes one by one (see ConnectOptions.incrementalChildrenFrom). */
export const DEFAULT_INCREMENTAL_CHILDREN_FROM = 1000;

/**
 * One ZooKeeper watch per watched (kind, path), shared by every view the main thread holds of it. ZooKeeper
 * watches fire once; each firing re-reads the node with the same watcher function (node-zookeeper-client keeps one
 * copy of a function per path), so the watch looks persistent. After a new session every entry is re-read: the
 * main thread gets the diff against what it last saw, so a change missed in the gap still arrives.
 *
 * Re-reading costs O(children) per change. A big node's children entry turns *incremental* instead: a persistent
 * recursive watch (ZooKeeper 3.6+) names each created or deleted child, so a change costs O(1). That watch lives
 * on the connection, so it is added again, and the names read again, after every reconnect.
 */
interface Entry {
  readonly kind: WatchKind;
  readonly path: string;
  /** A read is in flight; `dirty` asks it to read once more when done (a watch fired meanwhile). */
  reading: boolean;
  dirty: boolean;
  dropped: boolean;
}

interface ChildrenEntry extends Entry {
  readonly kind: 'children';
  names: Set<string>;
  /** Followed through a recursive watch; `unarmed` until the server confirmed it on the current connection. */
  incremental: boolean;
  unarmed: boolean;
}

interface DataEntry extends Entry {
  readonly kind: 'data';
  snapshot: DataSnapshot;
  /**
   * Read without a one-shot watch because the path is the root of our recursive watch, which reports its data
   * changes too. ZooKeeper 3.6-3.8 keep one watch per connection and path: a one-shot data watch set on a
   * recursive root after it would replace it (ZOOKEEPER-4466).
   */
  riding: boolean;
  /**
   * The node was deleted since `snapshot` was taken, maybe created again: a new node starts at version 0 again, so
   * the snapshot's version must not be used for compare-and-set until a read of the new node replaces it.
   */
  replaced: boolean;
}

type AnyEntry = ChildrenEntry | DataEntry;

export class Watches {
  readonly #entries = new Map<string, AnyEntry>();
  /**
   * One watcher function per (kind, path) for the worker's life, dispatching to whatever entry is current:
   * node-zookeeper-client keeps every distinct function until the watch fires, so a fresh closure per view opened
   * and closed would pile up (a leak, and its MaxListenersExceededWarning).
   */
  readonly #watchers = new Map<string, Watcher>();
  readonly #recursive: RecursiveRoots;
  readonly #childChanges = new ChildChanges<ChildrenEntry>(
    (onReply) => this.#barrier(onReply),
    (entry, changes) => this.#applyChildChanges(entry, changes),
  );

  constructor(
    private readonly session: Session,
    private readonly emit: Emit,
    private readonly log: Log,
    private readonly incrementalFrom = DEFAULT_INCREMENTAL_CHILDREN_FROM,
  ) {
    this.#recursive = new RecursiveRoots(
      session,
      log,
      (event) => this.#onTreeEvent(event),
      (path) => this.#dismount(path),
    );
  }

  paths(kind: WatchKind): string[] {
    return [...this.#entries.values()].filter((entry) => entry.kind === kind).map((entry) => entry.path);
  }

  incrementalPaths(): string[] {
    return [...this.#entries.values()]
      .filter((entry) => entry.kind === 'children' && entry.incremental && !entry.unarmed)
      .map((entry) => entry.path);
  }

  async watchChildren(path: string): Promise<readonly string[]> {
    const existing = this.#entries.get(key('children', path));
    if (existing?.kind === 'children') return [...existing.names];
    const incremental = this.#recursive.supported && this.incrementalFrom === 0;
    const entry: ChildrenEntry = {
      kind: 'children',
      path,
      names: new Set<string>(),
      incremental,
      unarmed: incremental,
      ...NOT_READING,
    };
    try {
      const children = await this.#armed(entry, (client) => this.#readChildren(client, entry));
      entry.names = new Set(children);
      this.#entries.set(key('children', path), entry);
      this.log.debug(
        { path, children: children.length, incremental: entry.incremental },
        'children watch armed',
      );
      this.#considerIncremental(entry);
      return children;
    } catch (error) {
      this.#stopFollowing(entry);
      throw error;
    }
  }

  async watchData(path: string): Promise<DataSnapshot> {
    const existing = this.#entries.get(key('data', path));
    if (existing?.kind === 'data') return existing.snapshot;
    const snapshot: DataSnapshot = { properties: {}, mzxid: '-1', version: -1 };
    const entry: DataEntry = { kind: 'data', path, snapshot, riding: false, replaced: false, ...NOT_READING };
    const { data, stat } = await this.#armed(entry, (client) => this.#readData(client, entry));
    entry.snapshot = this.#snapshot(path, data, stat);
    this.#entries.set(key('data', path), entry);
    this.log.debug({ path }, 'data watch armed');
    return entry.snapshot;
  }

  unwatch(kind: WatchKind, path: string): void {
    const entry = this.#entries.get(key(kind, path));
    if (!entry) return;
    // A one-shot watch is left to fire once, ignored, and the server forgets it then; a recursive one never
    // would, so it is removed (#stopFollowing).
    entry.dropped = true;
    this.#entries.delete(key(kind, path));
    if (entry.kind === 'children') this.#stopFollowing(entry);
    this.log.debug({ kind, path }, 'watch dropped');
  }

  /**
   * The data of a watched node as last read or written. It may be a step behind (a watch fired, its re-read is in
   * flight, often for our own write): fit for compare-and-set, which catches that, not for answering reads.
   */
  lastKnownData(path: string): DataSnapshot | undefined {
    const entry = this.#entries.get(key('data', path));
    return entry?.kind === 'data' && entry.snapshot.version >= 0 && !entry.replaced
      ? entry.snapshot
      : undefined;
  }

  /** Read-your-writes: the worker's own create shows in views before the create's reply is sent. */
  childAdded(path: string): void {
    const [parent, name] = splitPath(path);
    const entry = this.#entries.get(key('children', parent));
    if (entry?.kind !== 'children' || entry.names.has(name)) return;
    entry.names.add(name);
    this.emit({ type: 'children', path: parent, added: [name], removed: [] });
  }

  childRemoved(path: string): void {
    const [parent, name] = splitPath(path);
    const entry = this.#entries.get(key('children', parent));
    if (entry?.kind !== 'children' || !entry.names.delete(name)) return;
    this.emit({ type: 'children', path: parent, added: [], removed: [name] });
  }

  dataWritten(path: string, properties: JsonObject, stat: Stat): void {
    const entry = this.#entries.get(key('data', path));
    if (entry?.kind !== 'data') return;
    this.#applyData(entry, { properties, mzxid: zxid(stat.mzxid).toString(), version: stat.version });
  }

  /** A new session (or a resumed one in a new worker): every watch is re-armed and re-read. */
  rearmAll(): void {
    if (this.#entries.size > 0) this.log.info({ watches: this.#entries.size }, 're-arming watches');
    this.#recursive.connectionLost();
    for (const entry of this.#entries.values()) {
      if (entry.kind === 'children' && entry.incremental) entry.unarmed = true;
      void this.#refresh(entry);
    }
  }

  /**
   * The same session on a new connection: node-zookeeper-client re-sets one-shot watches itself, but recursive
   * watches stayed with the old connection, and what changed in between must be read.
   */
  reconnected(): void {
    this.#recursive.connectionLost();
    for (const entry of this.#entries.values()) {
      if (entry.kind !== 'children' || !entry.incremental) continue;
      entry.unarmed = true;
      void this.#refresh(entry);
      this.#dismount(entry.path);
    }
  }

  #watcher(entry: Entry): Watcher {
    const name = key(entry.kind, entry.path);
    let watcher = this.#watchers.get(name);
    if (!watcher) {
      watcher = (event) => {
        const current = this.#entries.get(name);
        if (current?.kind === 'data' && event.getType() === EventType.NODE_DELETED) current.replaced = true;
        // Even NODE_DELETED is only a cue to read again: a node deleted and re-created in one transaction (a
        // registration's update) exists when we look, and a missing one is reported deleted by the read itself.
        // An incremental entry's recursive watch hears everything this one-shot watch (set before) can.
        if (current && !current.dropped && !(current.kind === 'children' && current.incremental))
          void this.#refresh(current);
      };
      this.#watchers.set(name, watcher);
    }
    return watcher;
  }

  #armed<T>(entry: Entry, read: (client: Client) => Promise<T>): Promise<T> {
    return this.session.run(read, () => !entry.dropped);
  }

  async #refresh(entry: AnyEntry): Promise<void> {
    if (entry.reading) {
      entry.dirty = true;
      return;
    }
    entry.reading = true;
    try {
      do {
        entry.dirty = false;
        await this.#reread(entry);
      } while (entry.dirty && !entry.dropped);
    } finally {
      entry.reading = false;
    }
  }

  async #reread(entry: AnyEntry): Promise<void> {
    try {
      if (entry.kind === 'children') {
        const children = await this.#armed(entry, (client) => this.#readChildren(client, entry));
        if (!entry.dropped) this.#applyChildren(entry, children);
      } else {
        const { data, stat } = await this.#armed(entry, (client) => this.#readData(client, entry));
        if (!entry.dropped) this.#applyData(entry, this.#snapshot(entry.path, data, stat));
      }
    } catch (error) {
      if ((error as ZkError).code === 'NO_NODE') this.#deleted(entry);
      else if ((error as ZkError).code !== 'CLOSED') {
        this.log.error(
          { path: entry.path, kind: entry.kind, ...errorFields(error) },
          'could not re-read watch',
        );
      }
    }
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

  /** Reads the names, arming what follows them: a one-shot watch, or (once per connection) a recursive one. */
  async #readChildren(client: Client, entry: ChildrenEntry): Promise<string[]> {
    if (entry.incremental && entry.unarmed) {
      if (await this.#armRecursive(client, entry)) entry.unarmed = false;
      else this.#unsupported(entry);
    }
    const watcher = entry.incremental ? undefined : this.#watcher(entry);
    return (await getChildren(client, entry.path, watcher)).children;
  }

  /**
   * False when this node cannot be followed through a recursive watch: the server has none, or adding one failed
   * for a reason other than a lost connection (which the caller retries). The node is then followed by re-reading.
   */
  async #armRecursive(client: Client, entry: ChildrenEntry): Promise<boolean> {
    try {
      return await this.#recursive.add(client, entry.path);
    } catch (error) {
      if (isLost(error)) throw error;
      this.log.warn(
        { path: entry.path, ...errorFields(error) },
        'no recursive watch; re-reading children instead',
      );
      return false;
    }
  }

  #readData(client: Client, entry: DataEntry): ReturnType<typeof getData> {
    entry.riding = this.#recursive.has(entry.path);
    return getData(client, entry.path, entry.riding ? undefined : this.#watcher(entry));
  }

  /** A data entry riding on a recursive watch that is gone reads again, setting a one-shot watch of its own. */
  #dismount(path: string): void {
    const entry = this.#entries.get(key('data', path));
    if (entry?.kind === 'data' && entry.riding) void this.#refresh(entry);
  }

  /** A node grown big switches to a recursive watch: one more full read, then every change costs O(1). */
  #considerIncremental(entry: ChildrenEntry): void {
    if (entry.incremental || !this.#recursive.supported || entry.names.size < this.incrementalFrom) return;
    entry.incremental = true;
    entry.unarmed = true;
    this.log.debug({ path: entry.path, children: entry.names.size }, 'following children one by one');
    void this.#refresh(entry);
  }

  #unsupported(entry: ChildrenEntry): void {
    entry.incremental = false;
    this.#dismount(entry.path);
  }

  #stopFollowing(entry: ChildrenEntry): void {
    this.#childChanges.forget(entry);
    this.#recursive.remove(entry.path);
  }

  /** What a recursive watch heard: a riding data entry's node, the watched node itself, or one of its children. */
  #onTreeEvent(event: TreeEvent): void {
    const data = this.#entries.get(key('data', event.path));
    if (data?.kind === 'data' && data.riding) {
      if (event.type === 'deleted') data.replaced = true;
      void this.#refresh(data);
    }
    if (event.type === 'dataChanged') return;
    // The server sends one event per change even when two of our recursive watches cover it.
    const own = this.#entries.get(key('children', event.path));
    if (own?.kind === 'children' && own.incremental && event.type === 'deleted') {
      void this.#refresh(own); // reports the deletion, or sees a node re-created at once
    }
    if (event.path === '/') return;
    const [parent, name] = splitPath(event.path);
    const entry = this.#entries.get(key('children', parent));
    if (entry?.kind !== 'children' || !entry.incremental) return;
    this.#childChanges.note(entry, name, event.type === 'created');
  }

  #applyChildChanges(entry: ChildrenEntry, changes: ReadonlyMap<string, boolean>): void {
    if (entry.dropped) return;
    const { added, removed } = applyChanges(entry.names, changes);
    if (added.length > 0 || removed.length > 0)
      this.emit({ type: 'children', path: entry.path, added, removed });
  }

  #applyChildren(entry: ChildrenEntry, children: readonly string[]): void {
    const next = new Set(children);
    const added = children.filter((name) => !entry.names.has(name));
    const removed = [...entry.names].filter((name) => !next.has(name));
    entry.names = next;
    if (added.length > 0 || removed.length > 0)
      this.emit({ type: 'children', path: entry.path, added, removed });
    this.#considerIncremental(entry);
  }

  #applyData(entry: DataEntry, snapshot: DataSnapshot): void {
    // mzxid only grows, across sessions too: an older read finishing late must not undo a newer one.
    if (BigInt(snapshot.mzxid) <= BigInt(entry.snapshot.mzxid)) return;
    entry.snapshot = snapshot;
    entry.replaced = false;
    this.emit({ type: 'data', path: entry.path, snapshot });
  }

  #snapshot(path: string, data: Buffer | undefined, stat: Stat): DataSnapshot {
    const decoded = decodeProperties(data);
    if (decoded.problem !== undefined) {
      const level = decoded.problem === 'node data is not an object' ? 'debug' : 'warn';
      this.log[level]({ path, problem: decoded.problem }, 'node data read as string_value');
    }
    return { properties: decoded.properties, mzxid: zxid(stat.mzxid).toString(), version: stat.version };
  }

  #deleted(entry: AnyEntry): void {
    if (entry.dropped) return;
    entry.dropped = true;
    this.#entries.delete(key(entry.kind, entry.path));
    if (entry.kind === 'children') this.#stopFollowing(entry);
    this.log.info({ path: entry.path, kind: entry.kind }, 'watched node deleted');
    this.emit({ type: 'deleted', kind: entry.kind, path: entry.path });
  }
}

const NOT_READING = { reading: false, dirty: false, dropped: false } as const;

function key(kind: WatchKind, path: string): string {
  return `${kind}:${path}`;
}
