/**
 * Persistent recursive watches (ZooKeeper 3.6+ `addWatch`, `removeWatches`) for a node-zookeeper-client 1.1.3
 * client, which predates them.
 *
 *   add/removeRecursiveWatch ─▶ raw-request.ts send() ─▶ connectionManager.queue ─▶ socket   (opcodes 106 / 18)
 *   socket ─▶ notification (xid -1) ─▶ watcherManager.emit ─┬─▶ onTreeEvents listeners           (our hook)
 *                                                           └─▶ the library's one-shot watchers  (as before)
 *
 * A persistent watch belongs to one server connection, not to the session. Measured on 3.8: it is gone after any
 * reconnect of the same session, to the same server over a new socket (test-e2e/persistent-watch.e2e.test.ts) or to
 * a server restarted within the session timeout; node-zookeeper-client's SetWatches on reconnect carries one-shot
 * watches only. So re-add after every reconnect, and re-read what you watch: events in between are not replayed.
 * Until re-added, onTreeEvents reports nothing.
 *
 * ZooKeeper 3.6-3.8 keep one watch per connection, path and table (data, child) and overwrite its mode, so one-shot
 * watches on exactly a recursive root interfere with it (ZOOKEEPER-4466 keeps modes apart from 3.9). Handled here:
 * - a one-shot child watch on the root set before the recursive watch becomes recursive on the server, which then
 *   sends it no NodeChildrenChanged: it gets one made from the children's created/deleted events;
 * - removing (WatcherType Any: the data and the child half) also drops one-shot watches on the root: they are set
 *   again with SetWatches relative to the removal's zxid, so a change in between still fires them.
 * Not handled: a getData or exists *with a watcher* on exactly the root after addRecursiveWatch replaces the data
 * half with that one-shot watch; from then on only deletions below the root are reported. Don't, on 3.6-3.8.
 */

import { validatePath } from '@zkit/protocol';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { toZkError } from './exceptions.js';
import {
  existsRequest,
  type Frame,
  intRequest,
  removeWatchesRequest,
  send,
  setWatchesRequest,
  WATCHER_TYPE,
} from './raw-request.js';
import { stateOf, type TreeEvent, type TreeListener, type TreeState } from './tree-events.js';

export type { TreeEvent, TreeEventType } from './tree-events.js';

// org.apache.zookeeper.ZooDefs.OpCode / AddWatchMode, read from the 3.8 jar and 3.9 sources.
const OP_ADD_WATCH = 106;
const MODE_PERSISTENT_RECURSIVE = 1;
/** 3.6-3.8 (Any: the data and the child half). */
const WATCHER_TYPE_ANY = WATCHER_TYPE.any;
/** 3.9+, where modes are kept apart: removes the recursive watch alone. 3.6-3.8 answer MARSHALLING_ERROR. */
const WATCHER_TYPE_PERSISTENT_RECURSIVE = WATCHER_TYPE.persistentRecursive;
const { Exception } = zookeeper;

/**
 * Adds a persistent recursive watch on `path` for the client's current connection. Resolves false when the server
 * does not support it (ZooKeeper < 3.6 answers UNIMPLEMENTED); rejects with a ZkError (toZkError) otherwise.
 */
export async function addRecursiveWatch(client: Client, path: string): Promise<boolean> {
  const state = stateOf(client);
  // The server does not check addWatch paths; node-zookeeper-client checks its own requests', not these.
  validatePath(path);
  const generation = bump(state, path);
  const { error } = await send(
    state.manager,
    () => addWatch(path),
    (reply) => {
      // In the reply's own turn: a notification later in the same socket chunk must already pass the filter.
      if (reply.error !== null) return;
      state.merged.add(path);
      if (state.generations.get(path) === generation) state.roots.add(path);
    },
  );
  if (error === null) return true;
  if (hasCode(error, Exception.UNIMPLEMENTED)) return false;
  throw toZkError(error, path);
}

/** Removes the persistent recursive watch on `path` on the server; a missing watch is not an error. */
export async function removeRecursiveWatch(client: Client, path: string): Promise<void> {
  const state = stateOf(client);
  validatePath(path);
  const generation = bump(state, path);
  state.roots.delete(path);
  const first = await removeOnce(state, path, WATCHER_TYPE_PERSISTENT_RECURSIVE, undefined);
  if (first.kind === 'failed') throw toZkError(first.error, path);
  // An add or remove of this path called since was queued after our add: it decides, don't undo it.
  if (first.kind === 'done' || state.generations.get(path) !== generation) return;
  // 3.6-3.8 (the add just before succeeded, so the server knows addWatch): remove with Any, same connection.
  const second = await removeOnce(state, path, WATCHER_TYPE_ANY, first.connection);
  if (second.kind === 'failed') throw toZkError(second.error, path);
}

/**
 * Calls `listener` for every created, deleted and dataChanged event a persistent recursive watch of this client
 * delivers (for the root and everything below it). Returns an unsubscribe function.
 */
export function onTreeEvents(client: Client, listener: (event: TreeEvent) => void): () => void {
  const { listeners } = stateOf(client);
  // One entry per subscription: the same function subscribed twice is called twice and unsubscribed once each.
  const entry: TreeListener = (event) => listener(event);
  listeners.add(entry);
  return () => {
    listeners.delete(entry);
  };
}

// ── removal ──────────────────────────────────────────────────────────────────────────────────────────────────

type Removal =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'type-refused'; readonly connection: number };

/**
 * Sends addWatch then removeWatches back to back. Removing a watch the connection does not hold is answered
 * NOWATCHER (-121), a code node-zookeeper-client's Exception.create() does not know: unpatched, it throws inside the
 * socket handler (reply-codes.ts makes it safe where the worker runs). The add first makes sure the watch exists, so
 * the removal succeeds, and nothing can come between two packets queued in one turn. Should they still go out on different connections (a write blocked between them, then the socket
 * closed), the remove is written as a plain `exists` instead: the watch died with the add's connection.
 */
async function removeOnce(
  state: TreeState,
  path: string,
  type: number,
  requiredConnection: number | undefined,
): Promise<Removal> {
  let addedOn = -1;
  let substituted = false;
  const added = send(
    state.manager,
    () => {
      addedOn = state.connection;
      return addWatch(path);
    },
    (reply) => {
      if (reply.error === null) state.merged.add(path);
    },
  );
  const removed = send(
    state.manager,
    () => {
      substituted = addedOn !== state.connection || (requiredConnection ?? addedOn) !== addedOn;
      return substituted ? existsRequest(path) : removeWatchesRequest(path, type);
    },
    (reply) => {
      if (reply.error !== null || substituted) return;
      state.merged.delete(path);
      if (type === WATCHER_TYPE_ANY) rearmOneShotWatches(state, path, reply.zxid);
    },
  );
  const [add, remove] = await Promise.all([added, removed]);
  if (add.error !== null) return gone(add.error) ? { kind: 'done' } : { kind: 'failed', error: add.error };
  if (substituted || remove.error === null || gone(remove.error)) return { kind: 'done' };
  if (type === WATCHER_TYPE_PERSISTENT_RECURSIVE && hasCode(remove.error, Exception.MARSHALLING_ERROR)) {
    return { kind: 'type-refused', connection: addedOn };
  }
  return { kind: 'failed', error: remove.error };
}

/**
 * Removing with Any also dropped the server side of one-shot watches the library holds on `path`. SetWatches
 * (what the library sends on reconnect) sets them again and fires at once for a change after `zxid`.
 */
function rearmOneShotWatches(state: TreeState, path: string, zxid: Buffer | undefined): void {
  const watchers = state.manager.watcherManager;
  const held = (paths: string[]) => (paths.includes(path) ? [path] : []);
  const data = held(watchers.getDataWatcherPaths());
  const exist = held(watchers.getExistenceWatcherPaths());
  const child = held(watchers.getChildWatcherPaths());
  if (!zxid || data.length + exist.length + child.length === 0) return;
  // Nothing to await: on a lost connection the library's own SetWatches sets them on the next one.
  void send(state.manager, () => setWatchesRequest(zxid, data, exist, child));
}

/** The watch cannot exist any more: no server support, or the connection (or session) that held it is gone. */
function gone(error: unknown): boolean {
  return [Exception.UNIMPLEMENTED, Exception.CONNECTION_LOSS, Exception.SESSION_EXPIRED].some((code) =>
    hasCode(error, code),
  );
}

function hasCode(error: unknown, code: number): boolean {
  return error instanceof Exception && error.getCode() === code;
}

function bump(state: TreeState, path: string): number {
  const generation = (state.generations.get(path) ?? 0) + 1;
  state.generations.set(path, generation);
  return generation;
}

function addWatch(path: string): Frame {
  return intRequest(OP_ADD_WATCH, path, MODE_PERSISTENT_RECURSIVE);
}
