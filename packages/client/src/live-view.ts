import { zkError } from '@zkit/worker';
import type { Logger } from 'pino';
import type { Mirror } from './mirrors.js';
import { type Subscription, subscription } from './subscription.js';

/** What a view needs from its owner: to give its mirror back when the last view of a path closes. */
export interface ViewOwner {
  readonly log: Logger;
  release(mirror: Mirror): void;
}

/**
 * A live view of one node: reads come from the main thread's mirror, synchronously. Many views of one path share
 * one mirror (and so one ZooKeeper watch in the worker); each view has its own callbacks.
 */
export abstract class LiveView<Self extends LiveView<Self>> implements Disposable {
  readonly #callbacks = new Set<(view: Self) => void>();
  /** Ends iterators from changes() when the view closes. */
  readonly #onClose = new Set<() => void>();
  #closed = false;

  constructor(
    protected readonly mirror: Mirror,
    private readonly owner: ViewOwner,
  ) {
    mirror.views.add(this);
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
   * Calls `callback(view)` at once and after every change (and once more when the node is deleted). A callback
   * that throws is logged and removed, zc.zk's rule; the others carry on.
   */
  watch(callback: (view: Self) => void): Subscription {
    if (typeof callback !== 'function') throw zkError('INVALID_OPTION', 'watch() takes a function');
    if (this.#closed) throw zkError('CLOSED', `this view of ${this.path} is closed`, { path: this.path });
    this.#callbacks.add(callback);
    this.#deliver(callback);
    return subscription(() => this.#callbacks.delete(callback));
  }

  /**
   * The view, now and after every change, as an async iterator: `for await (const view of kids.changes())`.
   * Changes that come faster than the loop takes them are coalesced (the view is live: the next step sees the
   * latest state). It ends after the node is deleted, when the view or its client closes, or when the loop breaks.
   */
  changes(): AsyncIterableIterator<Self> {
    let pending = false;
    let finished = false;
    let wake: (() => void) | undefined;
    const signal = () => {
      pending = true;
      wake?.();
    };
    const stop = this.watch(() => {
      signal();
      if (this.deleted) finished = true;
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

  /** Runs every callback once. Called by the mirror after it changed. */
  notify(): void {
    for (const callback of [...this.#callbacks]) {
      if (this.#callbacks.has(callback)) this.#deliver(callback);
    }
    if (this.mirror.deleted) this.#callbacks.clear();
  }

  /** Stops this view; the last view of a path to close drops the worker's ZooKeeper watch. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#callbacks.clear();
    for (const end of this.#onClose) end();
    this.#onClose.clear();
    this.mirror.views.delete(this);
    if (this.mirror.views.size === 0) this.owner.release(this.mirror);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  protected abstract self(): Self;

  #deliver(callback: (view: Self) => void): void {
    try {
      callback(this.self());
    } catch (error) {
      this.#callbacks.delete(callback);
      this.owner.log.error({ err: error, path: this.path }, 'watch callback threw; it was removed');
    }
  }
}
