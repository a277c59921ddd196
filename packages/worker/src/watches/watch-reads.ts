import { type DataSnapshot, decodeProperties } from '@zkit/protocol';
import { type Emit, errorFields, type Log } from '../log-forward.js';
import { toZkError } from '../nzc/exceptions.js';
import { type Client, getData, type Stat, type Watcher, zxid } from '../session/ops.js';
import type { Session } from '../session/session.js';
import type { IncrementalChildren } from './incremental.js';
import { type AnyEntry, type ChildrenEntry, type DataEntry, viewClosed } from './watch-entry.js';

/**
 * Reading a watched node, which sets its watch again, and turning what changed into events for the main thread:
 *
 *   read(entry) ──▶ session.run ──▶ getChildren / getData with the entry's watcher ──▶ apply ──▶ children / data event
 *
 * A first read's result travels in the reply to the caller that opened the view, so nothing is emitted for an entry
 * while it is arming.
 */
export class WatchReads {
  constructor(
    private readonly session: Session,
    private readonly emit: Emit,
    private readonly log: Log,
    private readonly incremental: IncrementalChildren,
  ) {}

  /**
   * Reads the entry once with a live client (again after a lost connection, unless the entry is dropped meanwhile).
   * The request and its client are kept on the entry: the library registers the watcher on the request's reply.
   */
  read(entry: AnyEntry, signal?: AbortSignal): Promise<void> {
    return this.session.run(
      (client) => {
        if (entry.dropped) return Promise.reject(viewClosed(entry.path));
        entry.client = client;
        const request =
          entry.kind === 'children' ? this.#readChildren(client, entry) : this.#readData(client, entry);
        entry.request = request;
        return request;
      },
      () => !entry.dropped,
      signal,
    );
  }

  changed(entry: ChildrenEntry, added: readonly string[], removed: readonly string[]): void {
    if (entry.arming || (added.length === 0 && removed.length === 0)) return;
    this.emit({ type: 'children', path: entry.path, added, removed });
  }

  applyData(entry: DataEntry, snapshot: DataSnapshot): void {
    // mzxid only grows, across sessions too: an older read finishing late must not undo a newer one.
    if (BigInt(snapshot.mzxid) <= BigInt(entry.snapshot.mzxid)) return;
    entry.snapshot = snapshot;
    entry.replaced = false;
    if (!entry.arming) this.emit({ type: 'data', path: entry.path, snapshot });
  }

  /** Reads the names, arming what follows them: a one-shot watch, or (once per connection) a recursive one. */
  async #readChildren(client: Client, entry: ChildrenEntry): Promise<void> {
    if (entry.incremental && entry.unarmed) await this.incremental.arm(client, entry);
    const watcher = entry.incremental ? undefined : entry.watcher;
    await getChildrenInTurn(
      client,
      entry.path,
      watcher,
      (names) => this.#applyChildren(entry, names),
      this.log,
    );
  }

  async #readData(client: Client, entry: DataEntry): Promise<void> {
    entry.riding = this.incremental.rides(entry.path);
    const { data, stat } = await getData(client, entry.path, entry.riding ? undefined : entry.watcher);
    if (!entry.dropped) this.applyData(entry, this.#snapshot(entry.path, data, stat));
  }

  /** In the read's reply turn (see getChildrenInTurn). */
  #applyChildren(entry: ChildrenEntry, children: readonly string[]): void {
    if (entry.dropped) return;
    this.incremental.namesRead(entry);
    const next = new Set(children);
    const added = children.filter((name) => !entry.names.has(name));
    const removed = [...entry.names].filter((name) => !next.has(name));
    entry.names = next;
    this.changed(entry, added, removed);
    this.incremental.consider(entry);
  }

  #snapshot(path: string, data: Buffer | undefined, stat: Stat): DataSnapshot {
    const decoded = decodeProperties(data);
    if (decoded.problem !== undefined) {
      const level = decoded.problem === 'node data is not an object' ? 'debug' : 'warn';
      this.log[level]({ path, problem: decoded.problem }, 'node data read as string_value');
    }
    const snapshot = {
      properties: decoded.properties,
      mzxid: zxid(stat.mzxid).toString(),
      version: stat.version,
    };
    return decoded.problem === undefined ? snapshot : { ...snapshot, problem: decoded.problem };
  }
}

/**
 * getChildren whose result is applied in its reply's own turn, before the rest of the socket read it came in: a
 * recursive watch's changes behind the reply (and the barrier that applies them, see ChildChanges) then land on the
 * names just read, instead of being overwritten by them once the promise settles.
 */
function getChildrenInTurn(
  client: Client,
  path: string,
  watcher: Watcher | undefined,
  apply: (names: string[]) => void,
  log: Log,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error: unknown, names: string[]) => {
      if (error) return reject(toZkError(error, path));
      try {
        apply(names);
      } catch (failure) {
        // Thrown on, it would escape into node-zookeeper-client's socket handler and kill the worker.
        log.error({ path, ...errorFields(failure) }, 'could not apply children');
      }
      resolve();
    };
    if (watcher) client.getChildren(path, watcher, done);
    else client.getChildren(path, done);
  });
}
