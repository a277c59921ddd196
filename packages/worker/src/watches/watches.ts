import {
  abortedError,
  type DataSnapshot,
  DEFAULT_INCREMENTAL_CHILDREN_FROM,
  delay,
  type JsonObject,
  type RetryPolicy,
  splitPath,
  toWireError,
  type WatchKind,
  type ZkError,
} from '@zkit/protocol';
import type zookeeper from 'node-zookeeper-client';
import { untilAborted } from '../calls.js';
import { type Emit, errorFields, type Log } from '../log-forward.js';
import { patchReplyCodes } from '../nzc/reply-codes.js';
import { EventType, type Stat, zxid } from '../session/ops.js';
import type { Session } from '../session/session.js';
import { IncrementalChildren } from './incremental.js';
import { OneShotWatches } from './one-shot-watches.js';
import { type AnyEntry, childrenEntry, dataEntry, entryKey, viewClosed } from './watch-entry.js';
import { classifyFailure, REREAD_RETRY } from './watch-failures.js';
import { WatchReads } from './watch-reads.js';

/**
 * One ZooKeeper watch per watched (kind, path), shared by every view the main thread holds of it. ZooKeeper
 * watches fire once; each firing re-reads the node, setting the watch again, so the watch looks persistent. After a
 * new session every entry is re-read: the main thread gets the diff against what it last saw, so a change missed in
 * the gap still arrives. Big children nodes are followed one change at a time instead (IncrementalChildren).
 *
 *   watchX(p) ──▶ entry in place, arming ──▶ first read (sets the watch) ──▶ armed ──▶ reply to the caller
 *   watch fires ──▶ refresh: read again (once more if it fires meanwhile) ──▶ diff / data / deleted / ended event
 *   unwatch(p), deleted, ended ──▶ dropped ──▶ its watch given back (OneShotWatches) ──▶ a new watchX(p) may read
 *
 * node-zookeeper-client handles a socket read synchronously: a reply's callback, then any notification behind it in
 * the same read, before any promise continuation. So the entry is in place before its first read is sent: a
 * notification right behind the reply finds it reading, and a read follows (C1).
 */
export class Watches {
  readonly #entries = new Map<string, AnyEntry>();
  /**
   * Dropped entries giving their watch back: a new entry of that (kind, path) sends its first read after, unless
   * the removal could still be called off (OneShotWatches.supersede).
   */
  readonly #releases = new Map<string, { readonly entry: AnyEntry; readonly done: Promise<void> }>();
  readonly #oneShot: OneShotWatches;
  readonly #incremental: IncrementalChildren;
  readonly #reads: WatchReads;

  constructor(
    session: Session,
    private readonly emit: Emit,
    private readonly log: Log,
    incrementalFrom = DEFAULT_INCREMENTAL_CHILDREN_FROM,
    /** Waits between re-reads that failed for a passing reason; null ends the view. */
    private readonly retry: RetryPolicy = REREAD_RETRY,
  ) {
    const safe = patchReplyCodes();
    if (!safe)
      log.warn({}, 'unknown node-zookeeper-client version: closed views leave their watch to fire once');
    this.#oneShot = new OneShotWatches(
      log,
      safe,
      (entry) => entry.kind !== 'data' || !this.#incremental.covers(entry.path),
    );
    this.#incremental = new IncrementalChildren(
      session,
      log,
      {
        entry: (key) => this.#entries.get(key),
        refresh: (entry) => this.#refresh(entry),
        changed: (entry, added, removed) => this.#reads.changed(entry, added, removed),
      },
      incrementalFrom,
    );
    this.#reads = new WatchReads(session, emit, log, this.#incremental);
  }

  /** The armed entries of a kind (diagnostics). */
  paths(kind: WatchKind): string[] {
    return this.#armed()
      .filter((entry) => entry.kind === kind)
      .map((entry) => entry.path);
  }

  incrementalPaths(): string[] {
    return this.#armed()
      .filter((entry) => entry.kind === 'children' && entry.incremental && !entry.unarmed)
      .map((entry) => entry.path);
  }

  /** `signal` may give up the first read only: the view then leaves no entry and no watch behind. */
  watchChildren(path: string, signal?: AbortSignal): Promise<readonly string[]> {
    const found = this.#entries.get(entryKey('children', path));
    if (found?.kind === 'children') {
      if (!found.arming) return Promise.resolve([...found.names]);
      return this.#join(found.arming, signal, () => this.watchChildren(path, signal));
    }
    const entry = childrenEntry(path, this.#incremental.startsIncremental(), this.#fired);
    entry.arming = this.#arm(entry, signal, () => {
      this.log.debug(
        { path, children: entry.names.size, incremental: entry.incremental },
        'children watch armed',
      );
      return [...entry.names];
    });
    return entry.arming;
  }

  watchData(path: string, signal?: AbortSignal): Promise<DataSnapshot> {
    const found = this.#entries.get(entryKey('data', path));
    if (found?.kind === 'data') {
      if (!found.arming) return Promise.resolve(found.snapshot);
      return this.#join(found.arming, signal, () => this.watchData(path, signal));
    }
    const entry = dataEntry(path, this.#fired);
    entry.arming = this.#arm(entry, signal, () => {
      this.log.debug({ path }, 'data watch armed');
      return entry.snapshot;
    });
    return entry.arming;
  }

  /** The last view of (kind, path) closed: the entry goes, and its watch is given back. */
  unwatch(kind: WatchKind, path: string): void {
    const entry = this.#entries.get(entryKey(kind, path));
    if (!entry) return;
    this.#drop(entry);
    this.log.debug({ kind, path }, 'watch dropped');
  }

  /**
   * The data of a watched node as last read or written. It may be a step behind (a watch fired, its re-read is in
   * flight, often for our own write): fit for compare-and-set, which catches that, not for answering reads.
   */
  lastKnownData(path: string): DataSnapshot | undefined {
    const entry = this.#entries.get(entryKey('data', path));
    return entry?.kind === 'data' && entry.snapshot.version >= 0 && !entry.replaced && !entry.arming
      ? entry.snapshot
      : undefined;
  }

  /**
   * Read-your-writes: the worker's own create shows in views before the create's reply is sent. An entry still
   * arming is left alone: its watch fires for the create, or its read already saw it.
   */
  childAdded(path: string): void {
    const [parent, name] = splitPath(path);
    const entry = this.#entries.get(entryKey('children', parent));
    if (entry?.kind !== 'children' || entry.arming || entry.names.has(name)) return;
    entry.names.add(name);
    this.#reads.changed(entry, [name], []);
  }

  childRemoved(path: string): void {
    const [parent, name] = splitPath(path);
    const entry = this.#entries.get(entryKey('children', parent));
    if (entry?.kind !== 'children' || entry.arming || !entry.names.delete(name)) return;
    this.#reads.changed(entry, [], [name]);
  }

  dataWritten(path: string, properties: JsonObject, stat: Stat): void {
    const entry = this.#entries.get(entryKey('data', path));
    if (entry?.kind !== 'data' || entry.arming) return;
    this.#reads.applyData(entry, { properties, mzxid: zxid(stat.mzxid).toString(), version: stat.version });
  }

  /** A new session (or a resumed one in a new worker): every watch is set and read again. */
  rearmAll(): void {
    const entries = [...this.#entries.values()];
    if (entries.length > 0) this.log.info({ watches: entries.length }, 're-arming watches');
    this.#incremental.sessionLost(entries);
    for (const entry of entries) this.#refresh(entry);
  }

  /** The same session on a new connection (see IncrementalChildren.reconnected). */
  reconnected(): void {
    this.#incremental.reconnected([...this.#entries.values()]);
  }

  #armed(): AnyEntry[] {
    return [...this.#entries.values()].filter((entry) => !entry.arming);
  }

  /** The entry's own watcher fired (in node-zookeeper-client's socket handler: nothing may throw). */
  readonly #fired = (entry: AnyEntry, event: zookeeper.Event): void => {
    if (entry.dropped) return;
    if (entry.kind === 'data' && event.getType() === EventType.NODE_DELETED) entry.replaced = true;
    // Even NODE_DELETED is only a cue to read again: a node deleted and re-created in one transaction (a
    // registration's update) exists when we look, and a missing one is reported deleted by the read itself.
    // An incremental entry's recursive watch hears everything this one-shot watch (set before) can.
    if (entry.kind === 'children' && entry.incremental) return;
    this.#refresh(entry);
  };

  /** The first read, with the entry already in place and reading (C1); nothing is left behind if it fails. */
  async #arm<T>(entry: AnyEntry, signal: AbortSignal | undefined, armed: () => T): Promise<T> {
    this.#entries.set(entry.key, entry);
    entry.reading = true;
    try {
      // A closed view's watch of this (kind, path) goes first: a removeWatches after our read would take ours.
      // Unless its removeWatches has not gone out yet: then it never does, the server's watch stays for this entry
      // (whose read sets it anyway) and the read goes now: a view closed and opened again in one turn (a fresh view
      // per request) costs one round trip, not two.
      const release = this.#releases.get(entry.key);
      if (release && !this.#oneShot.supersede(release.entry)) await release.done;
      await this.#reads.read(entry, signal);
      // A signal that fired while the read was in flight: the caller gave up, so nothing may stay behind.
      if (signal?.aborted) throw abortedError();
      if (entry.dropped) throw viewClosed(entry.path);
      return armed();
    } catch (error) {
      this.#drop(entry);
      throw error;
    } finally {
      entry.arming = undefined;
      entry.reading = false;
      if (entry.dirty) this.#refresh(entry);
    }
  }

  /** Another caller's first read of the same entry, given up only by this caller's own signal. */
  async #join<T>(arming: Promise<T>, signal: AbortSignal | undefined, again: () => Promise<T>): Promise<T> {
    try {
      return await untilAborted(arming, signal);
    } catch (error) {
      // The caller who started the read gave up, or the view was closed meanwhile: this caller still wants it.
      if ((error as ZkError).code === 'ABORTED' && !signal?.aborted) return again();
      throw error;
    }
  }

  #refresh(entry: AnyEntry): void {
    if (entry.dropped) return;
    if (entry.reading) {
      entry.dirty = true;
      return;
    }
    entry.reading = true;
    void this.#rereadWhileDirty(entry);
  }

  async #rereadWhileDirty(entry: AnyEntry): Promise<void> {
    try {
      do {
        entry.dirty = false;
        await this.#reread(entry);
      } while (entry.dirty && !entry.dropped);
    } catch (error) {
      this.log.error(
        { path: entry.path, kind: entry.kind, ...errorFields(error) },
        'could not re-read watch',
      );
    } finally {
      entry.reading = false;
    }
  }

  /** Reads again until it works, the failure is permanent (the view ends), or the entry is dropped (C5). */
  async #reread(entry: AnyEntry): Promise<void> {
    for (let attempt = 1; !entry.dropped; attempt++) {
      try {
        await this.#reads.read(entry);
        return;
      } catch (error) {
        const wait = this.#failed(entry, error, attempt);
        if (wait === undefined) return;
        await delay(wait);
      }
    }
  }

  /** What a failed re-read leads to: the wait before trying again, or undefined when the entry is done with. */
  #failed(entry: AnyEntry, error: unknown, attempt: number): number | undefined {
    if (entry.dropped) return undefined;
    const failure = classifyFailure(error);
    if (failure === 'deleted') this.#deleted(entry);
    if (failure === 'transient') {
      const wait = this.retry(attempt);
      if (wait !== null) {
        const fields = { path: entry.path, kind: entry.kind, attempt, ...errorFields(error) };
        this.log.warn(fields, 'could not re-read watch; retrying');
        return wait;
      }
    }
    if (failure === 'permanent' || failure === 'transient') this.#end(entry, error);
    return undefined;
  }

  /** Out of the registry for good; its watch is given back in the background (see #releases). */
  #drop(entry: AnyEntry): void {
    if (entry.dropped) return;
    entry.dropped = true;
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    const following = entry.kind === 'children' ? this.#incremental.stop(entry) : undefined;
    const release = { entry, done: this.#oneShot.release(entry, following) };
    this.#releases.set(entry.key, release);
    void release.done.then(() => {
      if (this.#releases.get(entry.key) === release) this.#releases.delete(entry.key);
    });
  }

  #deleted(entry: AnyEntry): void {
    this.#drop(entry);
    this.log.info({ path: entry.path, kind: entry.kind }, 'watched node deleted');
    this.emit({ type: 'deleted', kind: entry.kind, path: entry.path });
  }

  /** The watch cannot be kept (C5): its views end with the error, and the application hears of it as a failure. */
  #end(entry: AnyEntry, error: unknown): void {
    const { kind, path } = entry;
    this.#drop(entry);
    this.log.error({ path, kind, ...errorFields(error) }, 'watch ended: its node can no longer be read');
    const wire = toWireError(error, path);
    this.emit({ type: 'ended', kind, path, error: wire });
    this.emit({ type: 'failure', failure: { kind: 'watch', path, error: wire } });
  }
}
