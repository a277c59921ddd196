import { type ZkError, zkError } from '@zkit/protocol';
import type { Logger } from 'pino';
import { isFinished, type Mirror } from './mirror.js';
import { type MirrorView, NOTIFY } from './mirror-views.js';
import { type Subscription, subscription } from './subscription.js';

/** What a view needs from its owner: to notice a view dropped without close(), and to free a mirror no view uses. */
export interface ViewOwner {
  readonly log: Logger;
  /** A view attached to `mirror`; `ref` is how the mirror holds it while it has no subscribers. */
  opened(view: MirrorView, mirror: Mirror, ref: WeakRef<MirrorView>): void;
  /** A view closed; when it was the last of its mirror, the worker's watch is given back. */
  closed(view: MirrorView, mirror: Mirror): void;
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
  #closed = false;

  constructor(
    protected readonly mirror: Mirror,
    private readonly owner: ViewOwner,
  ) {
    owner.opened(this, mirror, mirror.views.add(this));
    mirror.reserved = Math.max(0, mirror.reserved - 1);
  }

  get path(): string {
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

  /** Stops this view; the last view of a path to close drops the worker's ZooKeeper watch. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
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
