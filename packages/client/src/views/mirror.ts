import {
  asZkError,
  type DataSnapshot,
  type JsonObject,
  type JsonValue,
  type WatchKind,
  type ZkError,
} from '@zkit/protocol';
import { MirrorViews } from './mirror-views.js';

/** The main thread's copy of one watched node, kept current by the worker's events. */
export interface Mirror {
  readonly kind: WatchKind;
  readonly path: string;
  deleted: boolean;
  /** Why the watch ended (it could not be kept): the mirror keeps its last state and changes no more. */
  error: ZkError | undefined;
  names: Set<string>;
  /** `names` sorted, computed on demand and replaced (never changed) when the names change. */
  sorted: readonly string[] | undefined;
  data: DataSnapshot;
  /**
   * The names the latest change of the list added and removed, for views that follow each child (discovery's
   * services view): they apply a change in O(change) instead of comparing whole lists.
   */
  lastChange: NamesChange | undefined;
  readonly views: MirrorViews;
  /** Views promised to callers of acquire() that have not attached yet: the mirror must not be dropped. */
  reserved: number;
}

export interface NamesChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

const EMPTY: DataSnapshot = Object.freeze({ properties: Object.freeze({}), mzxid: '-1', version: -1 });

export function childrenMirror(path: string, names: readonly string[]): Mirror {
  return {
    kind: 'children',
    path,
    deleted: false,
    error: undefined,
    names: new Set(names),
    sorted: undefined,
    data: EMPTY,
    lastChange: undefined,
    views: new MirrorViews(),
    reserved: 0,
  };
}

export function dataMirror(path: string, snapshot: DataSnapshot): Mirror {
  return {
    kind: 'data',
    path,
    deleted: false,
    error: undefined,
    names: new Set(),
    sorted: undefined,
    data: frozen(snapshot),
    lastChange: undefined,
    views: new MirrorViews(),
    reserved: 0,
  };
}

/** Applies a diff; false when it changed nothing. */
export function applyChildren(mirror: Mirror, added: readonly string[], removed: readonly string[]): boolean {
  const gone = removed.filter((name) => mirror.names.delete(name));
  const come = added.filter((name) => !mirror.names.has(name) && mirror.names.add(name));
  if (gone.length === 0 && come.length === 0) return false;
  mirror.sorted = undefined;
  mirror.lastChange = { added: come, removed: gone };
  return true;
}

/**
 * The names in sorted order, as a frozen snapshot: iterating it is unaffected by changes that arrive meanwhile
 * (they replace the snapshot, never change it), and repeated reads of an unchanged list cost nothing.
 */
export function sortedNames(mirror: Mirror): readonly string[] {
  mirror.sorted ??= Object.freeze([...mirror.names].sort());
  return mirror.sorted;
}

/** Replaces the list wholesale (after a worker restart); false when it is the same. */
export function replaceChildren(mirror: Mirror, names: readonly string[]): boolean {
  const next = new Set(names);
  const added = names.filter((name) => !mirror.names.has(name));
  const removed = [...mirror.names].filter((name) => !next.has(name));
  return applyChildren(mirror, added, removed);
}

/** mzxid only grows, across sessions too: a snapshot no newer than the mirror's changes nothing. */
export function applyData(mirror: Mirror, snapshot: DataSnapshot): boolean {
  if (BigInt(snapshot.mzxid) <= BigInt(mirror.data.mzxid)) return false;
  mirror.data = frozen(snapshot);
  return true;
}

export function markDeleted(mirror: Mirror): void {
  mirror.deleted = true;
  mirror.names.clear();
  mirror.sorted = undefined;
  mirror.lastChange = undefined;
  mirror.data = EMPTY;
}

/**
 * The watch could not be kept (say NO_AUTH after an ACL change). The mirror keeps the last state it knew rather than
 * emptying: a list of servers that stops updating is safer to route by than none at all; `error` says why it ended.
 */
export function markEnded(mirror: Mirror, error: ZkError): void {
  mirror.error = error;
}

/** Deleted or ended: the mirror will not change again (a new view of the path starts a new one). */
export function isFinished(mirror: Mirror): boolean {
  return mirror.deleted || mirror.error !== undefined;
}

/** Views are read-only mappings; freezing makes that true of nested values too. */
function frozen(snapshot: DataSnapshot): DataSnapshot {
  return Object.freeze({ ...snapshot, properties: deepFreeze(snapshot.properties) });
}

export function deepFreeze<T extends JsonValue | JsonObject>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * A view that came through a symbolic link could not follow it again after its node was deleted. CLOSED: the client
 * closed, and the view closes with it. NO_NODE: the path names nothing now, so its interim copy ends as deleted.
 * Anything else ends it with the error (the caller logs it).
 */
export function endFollowing(interim: Mirror, error: unknown, path: string): 'closed' | 'deleted' | 'ended' {
  const code = (error as ZkError | undefined)?.code;
  if (code === 'CLOSED') return 'closed';
  if (code === 'NO_NODE') {
    markDeleted(interim);
    return 'deleted';
  }
  markEnded(interim, asZkError(error, path));
  return 'ended';
}
