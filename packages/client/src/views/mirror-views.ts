/**
 * The method a mirror calls to run a view's callbacks after a change. A symbol no public module exports, so the
 * application cannot fire its own callbacks: `view.notify()` is not on the public types.
 */
export const NOTIFY: unique symbol = Symbol('notify');

/**
 * Called on every view of a mirror whose node was deleted, before the mirror empties: a view that followed a
 * symbolic link moves off it to resolve its path again (zc.zk's way to move a database: re-point the link, then
 * delete the old node). Not public, like NOTIFY.
 */
export const BEFORE_DELETE: unique symbol = Symbol('before delete');

/** What a mirror needs of a view: to run its callbacks after a change, and to close it with the client. */
export interface MirrorView {
  [NOTIFY](): void;
  [BEFORE_DELETE]?(): void;
  close(): void;
}

/**
 * The open views of one mirror. A view with subscribers (callbacks, `changes()` loops) is held strongly: its
 * callbacks must keep firing however the application holds it. A view without any is held only weakly, so a view
 * the application dropped without `close()` can be collected, and the FinalizationRegistry (view-finalizer.ts)
 * then gives its watch back. Such a view needs nothing from the mirror: reads go to the mirror, not the other way.
 */
export class MirrorViews<V extends MirrorView = MirrorView> {
  readonly #subscribed = new Set<V>();
  readonly #idle = new Set<WeakRef<V>>();
  readonly #refs = new WeakMap<V, WeakRef<V>>();

  /** Open views, counting idle ones that were collected but whose finalizer has not run yet. */
  get size(): number {
    return this.#subscribed.size + this.#idle.size;
  }

  /** A new view, idle (no subscribers yet); the returned WeakRef is what `collected` is later called with. */
  add(view: V): WeakRef<V> {
    const ref = new WeakRef(view);
    this.#refs.set(view, ref);
    this.#idle.add(ref);
    return ref;
  }

  /** The view gained its first subscriber: hold it strongly. */
  subscribe(view: V): void {
    const ref = this.#refs.get(view);
    if (ref !== undefined && this.#idle.delete(ref)) this.#subscribed.add(view);
  }

  /** The view lost its last subscriber: hold it weakly again. */
  unsubscribe(view: V): void {
    const ref = this.#refs.get(view);
    if (ref !== undefined && this.#subscribed.delete(view)) this.#idle.add(ref);
  }

  /** The view closed. */
  remove(view: V): void {
    this.#subscribed.delete(view);
    const ref = this.#refs.get(view);
    if (ref !== undefined) this.#idle.delete(ref);
    this.#refs.delete(view);
  }

  /** The idle view behind `ref` was garbage-collected. */
  collected(ref: WeakRef<V>): void {
    this.#idle.delete(ref);
  }

  /** Views with subscribers: the only ones a change has anything to tell. */
  subscribed(): V[] {
    return [...this.#subscribed];
  }

  /** Every view still reachable (to close them all with the client). */
  all(): V[] {
    const idle = [...this.#idle].map((ref) => ref.deref()).filter((view) => view !== undefined);
    return [...this.#subscribed, ...idle];
  }
}
