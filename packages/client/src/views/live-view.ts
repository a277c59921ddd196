import { type WatchKind, type ZkError, zkError } from '@zkit/protocol';
import type { Logger } from 'pino';
import { childrenMirror, dataMirror, endFollowing, isFinished, type Mirror } from './mirror.js';
import { BEFORE_DELETE, type MirrorView, NOTIFY } from './mirror-views.js';
import { type Subscription, subscription } from './subscription.js';

/** What a view needs from its owner: to notice a view dropped without close(), and to free a mirror no view uses. */
export interface ViewOwner {
  readonly log: Logger;
  /** A view attached to `mirror`; `ref` is how the mirror holds it while it has no subscribers. */
  opened(view: MirrorView, mirror: Mirror, ref: WeakRef<MirrorView>): void;
  /** A view closed; when it was the last of its mirror, the worker's watch is given back. */
  closed(view: MirrorView, mirror: Mirror): void;
  /** A mirror of `path` with its symbolic links followed (MirrorRegistry.follow), reserved for the caller. */
  follow(kind: WatchKind, path: string, signal: AbortSignal): Promise<Mirror>;
  /** A mirror follow() reserved that no view will attach to after all. */
  giveBack(mirror: Mirror): void;
}

/**
 * A watch callback. `stop` is the same Subscription `watch()` returns, passed in so a callback can stop itself even
 * on its first call, which runs before `watch()` has returned.
 */
export type WatchCallback<View> = (view: View, stop: Subscription) => void;

interface Watcher<Self> {
  readonly callback: WatchCallback<Self>;
  readonly stop: Subscription;
}

/**
 * A live view of one node: reads come from the main thread's mirror, synchronously. Many views of one path share
 * one mirror (and so one ZooKeeper watch in the worker); each view has its own callbacks.
 */
export abstract class LiveView<Self extends LiveView<Self>> implements Disposable, MirrorView {
  readonly #watchers = new Set<Watcher<Self>>();
  /** Ends iterators from changes() when the view closes. */
  readonly #onClose = new Set<() => void>();
  readonly #asked: string;
  /** Withdraws a resolution of `path` in flight (BEFORE_DELETE). */
  #relinking: AbortController | undefined;
  #closed = false;

  /** `asked` is the path the view was asked for, when `mirror` is of the node its symbolic links led to. */
  constructor(
    protected mirror: Mirror,
    private readonly owner: ViewOwner,
    asked: string = mirror.path,
  ) {
    this.#asked = asked;
    owner.opened(this, mirror, mirror.views.add(this));
    mirror.reserved = Math.max(0, mirror.reserved - 1);
  }

  /** The path the view was asked for. */
  get path(): string {
    return this.#asked;
  }

  /**
   * The node the view shows: `path` with its symbolic links followed. When that node is deleted, a view that
   * followed a link resolves `path` again and follows the new node (one more callback); it is deleted only when
   * `path` now names nothing.
   */
  get resolvedPath(): string {
    return this.mirror.path;
  }

  /** True once the node was deleted: the view is empty from then on and its callbacks will not run again. */
  get deleted(): boolean {
    return this.mirror.deleted;
  }

  /**
   * Why the view stopped following the node, when the worker could not keep its watch (e.g. `NO_AUTH` after the
   * node's ACL changed): the view keeps the last state it saw, its callbacks ran once more and will not run again,
   * and its `changes()` loops ended. Open a new view to try again. Undefined while the view is live.
   */
  get error(): ZkError | undefined {
    return this.mirror.error;
  }

  /**
   * Calls `callback(view, stop)` at once and after every change (and once more when the node is deleted or the
   * view ends). `stop` is the returned Subscription, so a callback may stop itself, on its first call too. A
   * callback that throws is logged and removed, zc.zk's rule; the others carry on.
   */
  watch(callback: WatchCallback<Self>): Subscription {
    if (typeof callback !== 'function') throw zkError('INVALID_OPTION', 'watch() takes a function');
    if (this.#closed) throw zkError('CLOSED', `this view of ${this.path} is closed`, { path: this.path });
    const watcher: Watcher<Self> = { callback, stop: subscription(() => this.#remove(watcher)) };
    // A finished view will not change again: one call, and nothing is kept.
    if (!isFinished(this.mirror)) this.#add(watcher);
    this.#deliver(watcher);
    return watcher.stop;
  }

  /**
   * The view, now and after every change, as an async iterator: `for await (const view of kids.changes())`.
   * Changes that come faster than the loop takes them are coalesced (the view is live: the next step sees the
   * latest state). It ends after the node is deleted or the view ends, when the view or its client closes, or when
   * the loop breaks.
   */
  changes(): AsyncIterableIterator<Self> {
    let pending = false;
    let finished = false;
    let wake: (() => void) | undefined;
    const stop = this.watch(() => {
      pending = true;
      if (isFinished(this.mirror)) finished = true;
      wake?.();
    });
    const end = () => {
      finished = true;
      stop();
      wake?.();
    };
    this.#onClose.add(end);
    const step = async (): Promise<IteratorResult<Self>> => {
      while (!pending && !finished) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (pending) {
        pending = false;
        return { done: false, value: this.self() };
      }
      this.#onClose.delete(end);
      return { done: true, value: undefined };
    };
    // Calls to next() made before the previous one settled wait their turn, so none is left unanswered.
    let previous: Promise<unknown> = Promise.resolve();
    const next = (): Promise<IteratorResult<Self>> => {
      const result = previous.then(step);
      previous = result;
      return result;
    };
    return {
      next,
      return: async () => {
        end();
        this.#onClose.delete(end);
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Runs every callback once; called by the mirror after it changed. */
  [NOTIFY](): void {
    for (const watcher of [...this.#watchers]) {
      if (this.#watchers.has(watcher)) this.#deliver(watcher);
    }
    if (isFinished(this.mirror)) this.#clear();
  }

  /**
   * The node is being deleted. A view that followed a link moves to a private copy of the mirror (so it keeps
   * showing the last state, not deleted) while `path` is resolved again, then to the new node's mirror.
   */
  [BEFORE_DELETE](): void {
    if (this.#closed || this.#relinking !== undefined || this.#asked === this.mirror.path) return;
    const from = this.mirror;
    const interim =
      from.kind === 'children'
        ? childrenMirror(from.path, [...from.names])
        : dataMirror(from.path, from.data);
    this.#moveTo(interim);
    const controller = new AbortController();
    this.#relinking = controller;
    this.owner.follow(from.kind, this.#asked, controller.signal).then(
      (mirror) => {
        this.#relinking = undefined;
        if (this.#closed) {
          this.owner.giveBack(mirror);
          return;
        }
        this.#moveTo(mirror);
        mirror.reserved = Math.max(0, mirror.reserved - 1);
        this[NOTIFY]();
      },
      (error: unknown) => {
        this.#relinking = undefined;
        if (this.#closed) return;
        const outcome = endFollowing(interim, error, this.#asked);
        // The client closed: the registry closed the views it held, and this one was held by none.
        if (outcome === 'closed') {
          this.close();
          return;
        }
        if (outcome === 'ended') {
          this.owner.log.warn({ err: error, path: this.#asked }, 'a view could not follow its link again');
        }
        this[NOTIFY]();
      },
    );
  }

  /** Stops this view; the last view of a path to close drops the worker's ZooKeeper watch. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#relinking?.abort();
    for (const end of this.#onClose) end();
    this.#onClose.clear();
    this.#clear();
    this.mirror.views.remove(this);
    this.owner.closed(this, this.mirror);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  protected abstract self(): Self;

  /** Leaves this view's mirror (giving it back if it was the last view) for `next`, keeping its subscribers. */
  #moveTo(next: Mirror): void {
    const subscribed = this.#watchers.size > 0;
    this.mirror.views.remove(this);
    this.owner.closed(this, this.mirror);
    this.mirror = next;
    this.owner.opened(this, next, next.views.add(this));
    if (subscribed) next.views.subscribe(this);
  }

  #add(watcher: Watcher<Self>): void {
    // The first subscriber makes the mirror hold this view strongly: its callbacks must keep firing.
    if (this.#watchers.size === 0) this.mirror.views.subscribe(this);
    this.#watchers.add(watcher);
  }

  #remove(watcher: Watcher<Self>): void {
    if (this.#watchers.delete(watcher) && this.#watchers.size === 0) this.mirror.views.unsubscribe(this);
  }

  #clear(): void {
    this.#watchers.clear();
    this.mirror.views.unsubscribe(this);
  }

  #deliver(watcher: Watcher<Self>): void {
    try {
      watcher.callback(this.self(), watcher.stop);
    } catch (error) {
      this.#remove(watcher);
      this.owner.log.error({ err: error, path: this.path }, 'watch callback threw; it was removed');
    }
  }
}
