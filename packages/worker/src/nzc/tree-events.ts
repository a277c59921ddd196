/**
 * The per-client side of persistent recursive watches (persistent-watch.ts): which roots the server confirmed on the
 * current connection, who listens, and the hook on node-zookeeper-client's WatcherManager that hands them the
 * notifications (xid -1) before the library's own one-shot watchers.
 */
import { parentOf, zkError } from '@zkit/protocol';
import zookeeper, { type Client } from 'node-zookeeper-client';
import type { PacketQueue } from './raw-request.js';

export type TreeEventType = 'created' | 'deleted' | 'dataChanged';
/** `path` as the application sees it: node-zookeeper-client has already stripped the chroot. */
export interface TreeEvent {
  readonly type: TreeEventType;
  readonly path: string;
}
export type TreeListener = (event: TreeEvent) => void;

const { Event } = zookeeper;
const EVENT_TYPES: ReadonlyMap<number, TreeEventType> = new Map([
  [Event.NODE_CREATED, 'created'],
  [Event.NODE_DELETED, 'deleted'],
  [Event.NODE_DATA_CHANGED, 'dataChanged'],
]);
const SYNC_CONNECTED = 3; // Watcher.Event.KeeperState, as the server puts it in every notification

// ── notifications ────────────────────────────────────────────────────────────────────────────────────────────

/** Our listeners see a notification first, so a one-shot watcher that throws cannot starve them. */
function hookNotifications(state: TreeState): void {
  const watchers = state.manager.watcherManager;
  const dispatch = watchers.emit;
  watchers.emit = (event) => {
    deliver(state, event);
    dispatch.call(watchers, event);
    const parent = childrenChangedParent(state, event);
    if (parent !== undefined)
      dispatch.call(watchers, { type: Event.NODE_CHILDREN_CHANGED, state: SYNC_CONNECTED, path: parent });
  };
}

function deliver(state: TreeState, event: WatcherEvent): void {
  const type = EVENT_TYPES.get(event.type);
  if (type === undefined || !underRoot(state.roots, event.path)) return;
  const treeEvent: TreeEvent = { type, path: event.path };
  for (const listener of [...state.listeners]) {
    try {
      listener(treeEvent);
    } catch (error) {
      // Thrown on, it would escape into node-zookeeper-client's socket handler and kill the worker.
      process.emitWarning(new Error(`a tree event listener threw: ${String(error)}`, { cause: error }));
    }
  }
}

/**
 * On 3.6-3.8 a one-shot child watch on a recursive root is muted (see the top). Its NodeChildrenChanged is made from
 * a child's created/deleted event; where the server also sends one (3.9+, or a child watch set after the
 * recursive one) the library has already dropped the one-shot watcher, so it fires once either way.
 */
function childrenChangedParent(state: TreeState, event: WatcherEvent): string | undefined {
  if (event.type !== Event.NODE_CREATED && event.type !== Event.NODE_DELETED) return undefined;
  if (event.path === '/') return undefined;
  const parent = parentOf(event.path);
  return state.merged.has(parent) ? parent : undefined;
}

/** Whether `path` or one of its ancestors is a root. */
function underRoot(roots: ReadonlySet<string>, path: string): boolean {
  if (roots.has(path)) return true;
  for (let end = path.lastIndexOf('/'); end >= 0; end = path.lastIndexOf('/', end - 1)) {
    if (roots.has(end === 0 ? '/' : path.slice(0, end))) return true;
    if (end === 0) return false;
  }
  return false;
}

// ── node-zookeeper-client internals and per-client state ─────────────────────────────────────────────────────

interface WatcherEvent {
  readonly type: number;
  readonly state?: number;
  /** Without the chroot: the library's WatcherEvent record strips it while reading. */
  readonly path: string;
}
interface WatcherManager {
  emit(event: WatcherEvent): void;
  getDataWatcherPaths(): string[];
  getExistenceWatcherPaths(): string[];
  getChildWatcherPaths(): string[];
}
interface ConnectionManager extends PacketQueue {
  readonly watcherManager: WatcherManager;
}

export interface TreeState {
  readonly manager: ConnectionManager;
  readonly listeners: Set<TreeListener>;
  /**
   * Roots the server confirmed on this connection and nobody removed since: the filter for onTreeEvents. Not the
   * roots the worker wants (watches/recursive-roots.ts, which counts a root from its queued add): see there why both.
   */
  readonly roots: Set<string>;
  /** Paths where the server holds a recursive watch of ours on this connection (removals in flight included). */
  readonly merged: Set<string>;
  /** Bumped by every add and remove of a path, so that a late add reply cannot revive a root removed since. */
  readonly generations: Map<string, number>;
  /** Bumped on every client state change: a different value means a different connection (or none). */
  connection: number;
}

const states = new WeakMap<Client, TreeState>();

export function stateOf(client: Client): TreeState {
  const existing = states.get(client);
  if (existing) return existing;
  const state: TreeState = {
    manager: connectionManagerOf(client),
    listeners: new Set(),
    roots: new Set(),
    merged: new Set(),
    generations: new Map(),
    connection: 0,
  };
  hookNotifications(state);
  // Every state change of the client is a connection lost or a new one: the server dropped our watches.
  client.on('state', () => {
    state.connection += 1;
    state.roots.clear();
    state.merged.clear();
  });
  states.set(client, state);
  return state;
}

function connectionManagerOf(client: Client): ConnectionManager {
  const manager = (client as unknown as { connectionManager?: Partial<ConnectionManager> }).connectionManager;
  const watchers = manager?.watcherManager;
  const ok =
    typeof manager?.queue === 'function' &&
    ['emit', 'getDataWatcherPaths', 'getExistenceWatcherPaths', 'getChildWatcherPaths'].every(
      (name) => typeof watchers?.[name as keyof WatcherManager] === 'function',
    );
  if (ok) return manager as ConnectionManager;
  throw zkError('ZOOKEEPER_ERROR', 'node-zookeeper-client internals changed: cannot add persistent watches');
}
