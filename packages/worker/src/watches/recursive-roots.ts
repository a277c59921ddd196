import { errorFields, type Log } from '../log-forward.js';
import {
  addRecursiveWatch,
  onTreeEvents,
  removeRecursiveWatch,
  type TreeEvent,
} from '../nzc/persistent-watch.js';
import type { Client } from '../session/ops.js';
import type { Session } from '../session/session.js';

/**
 * The persistent recursive watches the worker holds on the current connection ("roots"), kept in order:
 *
 *   add(p) ──▶ (waits for a removal of p in flight) ──▶ root p ──▶ addWatch ──▶ tree events ──▶ onEvent
 *                                   addWatch failed ──▶ not a root ──▶ onRemoved(p)
 *   remove(p) ──▶ not a root ──▶ removeWatches ──▶ onRemoved(p)      (covers(p) until then)
 *   connectionLost() ──▶ no roots (the server dropped them with the connection)
 *
 * A path is a root from the moment its addWatch is queued: a one-shot data watch set on it after that would
 * replace half of the recursive watch on ZooKeeper 3.6-3.8 (ZOOKEEPER-4466), so readers of its data ask has().
 *
 * Two layers track roots, on purpose, with different meanings. These are the roots the worker *wants*, from the
 * moment the add is queued, across the connections of a session (an add still queued survives a reconnect): they
 * decide which views may set one-shot watches. nzc/persistent-watch.ts keeps, per client and per connection, the
 * roots the server *confirmed* (and nobody removed since): they filter the events it delivers, so that a late add
 * reply cannot revive a root removed meanwhile. Either meaning used for the other's job would be wrong: a one-shot
 * watch set between queueing and confirmation breaks the recursive watch; events for an unconfirmed root belong to
 * a watch removed meanwhile.
 */
export class RecursiveRoots {
  readonly #roots = new Set<string>();
  /**
   * Roots whose addWatch has no answer yet. One still queued in the library when the connection was lost is written
   * on the next connection (the library reports the new connection, then writes its queue): it stays a root.
   */
  readonly #adding = new Map<string, number>();
  /** A new watch of a path must reach the server after the removal of the old one. */
  readonly #removing = new Map<string, Promise<void>>();
  readonly #listening = new WeakSet<Client>();
  #supported = true;

  constructor(
    private readonly session: Session,
    private readonly log: Log,
    private readonly onEvent: (event: TreeEvent) => void,
    private readonly onRemoved: (path: string) => void,
  ) {}

  /** False once a server answered that it has no recursive watches (ZooKeeper before 3.6). */
  get supported(): boolean {
    return this.#supported;
  }

  has(path: string): boolean {
    return this.#roots.has(path);
  }

  /** A root, or one whose removal is in flight: the server may still hold a recursive watch there. */
  covers(path: string): boolean {
    return this.#roots.has(path) || this.#removing.has(path);
  }

  /** Resolves true once the server holds the watch, false when it has no such watches. */
  async add(client: Client, path: string): Promise<boolean> {
    await this.#removing.get(path);
    if (!this.#listening.has(client)) {
      onTreeEvents(client, this.onEvent);
      this.#listening.add(client);
    }
    this.#roots.add(path);
    this.#adding.set(path, (this.#adding.get(path) ?? 0) + 1);
    let held: boolean;
    try {
      held = await addRecursiveWatch(client, path);
    } catch (error) {
      // Not a root after all: a data view that read the path without a watch of its own (riding on this one) must
      // read again and set one now, or a change before the next addWatch would reach it never.
      this.#roots.delete(path);
      this.onRemoved(path);
      throw error;
    } finally {
      const left = (this.#adding.get(path) ?? 1) - 1;
      if (left > 0) this.#adding.set(path, left);
      else this.#adding.delete(path);
    }
    if (held) return true;
    this.#supported = false;
    this.#roots.delete(path);
    this.log.info({ path }, 'ZooKeeper has no recursive watches (3.6+); re-reading children instead');
    return false;
  }

  /**
   * Gives a root's watch back to the server; nothing to do for a path that is not one. Returns the removal in flight
   * for `path`, if any, so that what must reach the server after it can wait for it.
   */
  remove(path: string): Promise<void> | undefined {
    if (!this.#roots.delete(path)) return this.#removing.get(path);
    const removal: Promise<void> = this.session
      .ready()
      .then((client) => removeRecursiveWatch(client, path))
      .catch((error: unknown) =>
        this.log.debug({ path, ...errorFields(error) }, 'could not remove a recursive watch'),
      )
      .finally(() => {
        if (this.#removing.get(path) === removal) this.#removing.delete(path);
        this.onRemoved(path);
      });
    this.#removing.set(path, removal);
    return removal;
  }

  /**
   * The server dropped our recursive watches with the connection. An add written on that connection has failed by
   * now (the library fails what it sent when the socket closes, before it reports a new connection); one still in
   * #adding was never written and goes out on the next connection, so its path stays a root: dropping it would let
   * a one-shot data watch on it replace the recursive watch the server is about to hold (ZOOKEEPER-4466).
   */
  connectionLost(): void {
    for (const path of this.#roots) if (!this.#adding.has(path)) this.#roots.delete(path);
  }
}
