import { decodeProperties, splitPath } from './data.js';
import type { ZkError } from './errors.js';
import { type Emit, errorFields, type Log } from './log-forward.js';
import type { DataSnapshot, JsonObject, WatchKind } from './protocol.js';
import type { Session } from './session.js';
import { type Client, getChildren, getData, type Stat, type Watcher, zxid } from './zk-ops.js';

/**
 * One ZooKeeper watch per watched (kind, path), shared by every view the main thread holds of it. ZooKeeper
 * watches fire once; each firing re-reads the node with the same watcher function (node-zookeeper-client keeps one
 * copy of a function per path), so the watch looks persistent. After a new session every entry is re-read: the
 * main thread gets the diff against what it last saw, so a change missed in the gap still arrives.
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
}

interface DataEntry extends Entry {
  readonly kind: 'data';
  snapshot: DataSnapshot;
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

  constructor(
    private readonly session: Session,
    private readonly emit: Emit,
    private readonly log: Log,
  ) {}

  paths(kind: WatchKind): string[] {
    return [...this.#entries.values()].filter((entry) => entry.kind === kind).map((entry) => entry.path);
  }

  async watchChildren(path: string): Promise<readonly string[]> {
    const existing = this.#entries.get(key('children', path));
    if (existing?.kind === 'children') return [...existing.names];
    const entry: ChildrenEntry = { kind: 'children', path, names: new Set<string>(), ...NOT_READING };
    const { children } = await this.#armed(entry, (client) =>
      getChildren(client, path, this.#watcher(entry)),
    );
    entry.names = new Set(children);
    this.#entries.set(key('children', path), entry);
    this.log.debug({ path, children: children.length }, 'children watch armed');
    return children;
  }

  async watchData(path: string): Promise<DataSnapshot> {
    const existing = this.#entries.get(key('data', path));
    if (existing?.kind === 'data') return existing.snapshot;
    const snapshot: DataSnapshot = { properties: {}, mzxid: '-1', version: -1 };
    const entry: DataEntry = { kind: 'data', path, snapshot, ...NOT_READING };
    const { data, stat } = await this.#armed(entry, (client) => getData(client, path, this.#watcher(entry)));
    entry.snapshot = this.#snapshot(path, data, stat);
    this.#entries.set(key('data', path), entry);
    this.log.debug({ path }, 'data watch armed');
    return entry.snapshot;
  }

  unwatch(kind: WatchKind, path: string): void {
    const entry = this.#entries.get(key(kind, path));
    if (!entry) return;
    // ZooKeeper 3.8 can remove watches, but node-zookeeper-client cannot ask it to: the one pending firing is
    // ignored instead, and the server forgets the watch when it fires.
    entry.dropped = true;
    this.#entries.delete(key(kind, path));
    this.log.debug({ kind, path }, 'watch dropped');
  }

  /**
   * The data of a watched node as last read or written. It may be a step behind (a watch fired, its re-read is in
   * flight, often for our own write): fit for compare-and-set, which catches that, not for answering reads.
   */
  lastKnownData(path: string): DataSnapshot | undefined {
    const entry = this.#entries.get(key('data', path));
    return entry?.kind === 'data' && entry.snapshot.version >= 0 ? entry.snapshot : undefined;
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
    for (const entry of this.#entries.values()) void this.#refresh(entry);
  }

  #watcher(entry: Entry): Watcher {
    const name = key(entry.kind, entry.path);
    let watcher = this.#watchers.get(name);
    if (!watcher) {
      watcher = () => {
        const current = this.#entries.get(name);
        // Even NODE_DELETED is only a cue to read again: a node deleted and re-created in one transaction (a
        // registration's update) exists when we look, and a missing one is reported deleted by the read itself.
        if (current && !current.dropped) void this.#refresh(current);
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
        const { children } = await this.#armed(entry, (client) =>
          getChildren(client, entry.path, this.#watcher(entry)),
        );
        if (!entry.dropped) this.#applyChildren(entry, children);
      } else {
        const { data, stat } = await this.#armed(entry, (client) =>
          getData(client, entry.path, this.#watcher(entry)),
        );
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

  #applyChildren(entry: ChildrenEntry, children: readonly string[]): void {
    const next = new Set(children);
    const added = children.filter((name) => !entry.names.has(name));
    const removed = [...entry.names].filter((name) => !next.has(name));
    entry.names = next;
    if (added.length > 0 || removed.length > 0)
      this.emit({ type: 'children', path: entry.path, added, removed });
  }

  #applyData(entry: DataEntry, snapshot: DataSnapshot): void {
    // mzxid only grows, across sessions too: an older read finishing late must not undo a newer one.
    if (BigInt(snapshot.mzxid) <= BigInt(entry.snapshot.mzxid)) return;
    entry.snapshot = snapshot;
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
    this.log.info({ path: entry.path, kind: entry.kind }, 'watched node deleted');
    this.emit({ type: 'deleted', kind: entry.kind, path: entry.path });
  }
}

const NOT_READING = { reading: false, dirty: false, dropped: false } as const;

function key(kind: WatchKind, path: string): string {
  return `${kind}:${path}`;
}
