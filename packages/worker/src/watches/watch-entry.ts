import { type DataSnapshot, type WatchKind, zkError } from '@zkit/protocol';
import type zookeeper from 'node-zookeeper-client';
import type { Client, Watcher } from '../session/ops.js';

/** One watched (kind, path), shared by every view the main thread holds of it. */
export interface Entry {
  readonly kind: WatchKind;
  readonly path: string;
  readonly key: string;
  /**
   * This entry's own one-shot watcher. node-zookeeper-client keeps a watcher until it fires and finds it by
   * identity, so closing the view can take exactly this one out of the library (another view's, or a newer entry's
   * of the same path, stays).
   */
  readonly watcher: Watcher;
  /** The first read, shared by every caller until it settles; nothing is emitted for the entry before. */
  arming: Promise<unknown> | undefined;
  /** A read is in flight (or waits for the session); `dirty` asks it to read once more (a watch fired meanwhile). */
  reading: boolean;
  dirty: boolean;
  /** Closed, deleted or ended: out of the registry, and reads still in flight change nothing. */
  dropped: boolean;
  /** The last request sent for the entry, and the client it went to: the library registers `watcher` on its reply. */
  request: Promise<void> | undefined;
  client: Client | undefined;
}

export interface ChildrenEntry extends Entry {
  readonly kind: 'children';
  arming: Promise<readonly string[]> | undefined;
  names: Set<string>;
  /** Followed through a recursive watch; `unarmed` until the server confirmed it on the current connection. */
  incremental: boolean;
  unarmed: boolean;
}

export interface DataEntry extends Entry {
  readonly kind: 'data';
  arming: Promise<DataSnapshot> | undefined;
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

export type AnyEntry = ChildrenEntry | DataEntry;

type Fired = (entry: AnyEntry, event: zookeeper.Event) => void;

export function entryKey(kind: WatchKind, path: string): string {
  return `${kind}:${path}`;
}

export function childrenEntry(path: string, incremental: boolean, fired: Fired): ChildrenEntry {
  const entry: ChildrenEntry = {
    ...fresh('children', path, (event) => fired(entry, event)),
    arming: undefined,
    names: new Set(),
    incremental,
    unarmed: incremental,
  };
  return entry;
}

export function dataEntry(path: string, fired: Fired): DataEntry {
  const entry: DataEntry = {
    ...fresh('data', path, (event) => fired(entry, event)),
    arming: undefined,
    snapshot: { properties: {}, mzxid: '-1', version: -1 },
    riding: false,
    replaced: false,
  };
  return entry;
}

/** Why a read of an entry closed meanwhile gives up: the caller asked for it (ABORTED never ends a view). */
export function viewClosed(path: string) {
  return zkError('ABORTED', 'the view was closed before its read completed', { path });
}

function fresh<K extends AnyEntry['kind']>(kind: K, path: string, watcher: Watcher) {
  return {
    kind,
    path,
    key: entryKey(kind, path),
    watcher,
    reading: false,
    dirty: false,
    dropped: false,
    request: undefined,
    client: undefined,
  };
}
