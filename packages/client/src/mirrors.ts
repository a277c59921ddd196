import type { DataSnapshot, JsonObject, JsonValue, WatchKind } from '@zkit/worker';

/** The main thread's copy of one watched node, kept current by the worker's events. */
export interface Mirror {
  readonly kind: WatchKind;
  readonly path: string;
  deleted: boolean;
  names: Set<string>;
  data: DataSnapshot;
  readonly views: Set<{ notify(): void; close(): void }>;
  /** Views promised to callers of acquire() that have not attached yet: the mirror must not be dropped. */
  reserved: number;
}

const EMPTY: DataSnapshot = Object.freeze({ properties: Object.freeze({}), mzxid: '-1', version: -1 });

export function childrenMirror(path: string, names: readonly string[]): Mirror {
  return {
    kind: 'children',
    path,
    deleted: false,
    names: new Set(names),
    data: EMPTY,
    views: new Set(),
    reserved: 0,
  };
}

export function dataMirror(path: string, snapshot: DataSnapshot): Mirror {
  return {
    kind: 'data',
    path,
    deleted: false,
    names: new Set(),
    data: frozen(snapshot),
    views: new Set(),
    reserved: 0,
  };
}

/** Applies a diff; false when it changed nothing. */
export function applyChildren(mirror: Mirror, added: readonly string[], removed: readonly string[]): boolean {
  let changed = false;
  for (const name of removed) changed = mirror.names.delete(name) || changed;
  for (const name of added) {
    if (!mirror.names.has(name)) {
      mirror.names.add(name);
      changed = true;
    }
  }
  return changed;
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
  mirror.data = EMPTY;
}

/** Views are read-only mappings; freezing makes that true of nested values too. */
function frozen(snapshot: DataSnapshot): DataSnapshot {
  return Object.freeze({ ...snapshot, properties: deepFreeze(snapshot.properties) });
}

function deepFreeze<T extends JsonValue | JsonObject>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
