import {
  abortedError,
  closedError,
  type DataSnapshot,
  isZkError,
  type WatchKind,
  type WorkerCommand,
  type ZkError,
  zkError,
} from '@zkit/protocol';
import type { Logger } from 'pino';
import type { ZkFailure } from '../failures.js';
import { type AbortableCalls, checkSignal, onAbort } from '../thread/abortable.js';
import type { WorkerCall } from '../thread/worker-handle.js';
import type { ViewOwner } from './live-view.js';
import {
  applyChildren,
  applyData,
  childrenMirror,
  dataMirror,
  type Mirror,
  markDeleted,
  markEnded,
  replaceChildren,
} from './mirror.js';
import { BEFORE_DELETE, type MirrorView, NOTIFY } from './mirror-views.js';
import { ViewFinalizer } from './view-finalizer.js';

/** A caller of acquire() waiting for a mirror being loaded. */
interface Waiter {
  resolve(mirror: Mirror): void;
  reject(error: unknown): void;
  /** Stops listening to the caller's AbortSignal. */
  stop(): void;
}

/** One first read of a (kind, path), shared by every caller waiting for it; given up when they all gave up. */
interface Loading {
  readonly waiters: Set<Waiter>;
  /**
   * Made only when the first caller can give up (it has a signal): a first caller without one waits to the end, so
   * the load is never withdrawn, and a fresh view pays for no AbortController, no listener and no abort id.
   */
  readonly controller: AbortController | undefined;
}

export interface MirrorRegistryHooks {
  /** Sends a one-way command to the worker (`unwatch`). */
  send(command: WorkerCommand): void;
  /** A mirror ended on this side (its re-watch by a replacement worker failed). */
  failure(failure: ZkFailure): void;
  /**
   * The path `path` names once its symbolic links are followed (resolvePath in @zkit/protocol); rejects NO_NODE when there is
   * none. Without it, `follow` follows no links.
   */
  resolve?(path: string, signal: AbortSignal | undefined): Promise<string>;
}

/**
 * One mirror per watched (kind, path), shared by all views of it; loading is shared too, so two concurrent
 * `children(path)` calls cost one ZooKeeper watch. The worker keeps one watch per (kind, path) however often it is
 * asked, so the rule here is: an `unwatch` is sent only when no mirror and no load of that (kind, path) is left.
 * The last view to close (or to be garbage-collected, view-finalizer.ts) gives the watch back.
 */
export class MirrorRegistry {
  readonly #mirrors = new Map<string, Mirror>();
  readonly #loading = new Map<string, Loading>();
  readonly #finalizer: ViewFinalizer;
  /** What every view of this client reports to. */
  readonly owner: ViewOwner;

  constructor(
    private readonly calls: AbortableCalls,
    private readonly hooks: MirrorRegistryHooks,
    log: Logger,
  ) {
    this.#finalizer = new ViewFinalizer(log, (mirror, ref) => this.#collected(mirror, ref));
    this.owner = {
      log,
      opened: (view, mirror, ref) => this.#finalizer.track(view, mirror, ref),
      closed: (view, mirror) => {
        this.#finalizer.untrack(view);
        this.release(mirror);
      },
      follow: (kind, path, signal) => this.follow(kind, path, signal),
      giveBack: (mirror) => this.giveBack(mirror),
    };
  }

  /**
   * acquire(), following symbolic links: only when `path` does not exist (the first read says NO_NODE) is it
   * resolved, so a path with no links costs what it always did. The mirror is of the resolved path; a view of it
   * keeps the path it was asked for, and resolves it again when that node is deleted (BEFORE_DELETE).
   */
  async follow(kind: WatchKind, path: string, signal?: AbortSignal): Promise<Mirror> {
    try {
      return await this.acquire(kind, path, signal);
    } catch (error) {
      if (this.hooks.resolve === undefined || (error as ZkError | undefined)?.code !== 'NO_NODE') throw error;
    }
    // Resolved to `path` itself when the node was made meanwhile: acquire it again.
    return this.acquire(kind, await this.hooks.resolve(path, signal), signal);
  }

  /** A mirror acquire() reserved that no view will attach to after all. */
  giveBack(mirror: Mirror): void {
    mirror.reserved = Math.max(0, mirror.reserved - 1);
    this.release(mirror);
  }

  /**
   * The caller must attach a view to the mirror it gets (LiveView's constructor does), without awaiting first.
   * `signal` gives up this caller's wait; the shared load is withdrawn only once every caller waiting for it did.
   */
  acquire(kind: WatchKind, path: string, signal?: AbortSignal): Promise<Mirror> {
    try {
      checkSignal(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(abortedError());
    const key = keyOf(kind, path);
    const mirror = this.#mirrors.get(key);
    if (mirror) {
      mirror.reserved++;
      return Promise.resolve(mirror);
    }
    const loading = this.#loading.get(key) ?? this.#load(kind, path, signal !== undefined);
    return new Promise<Mirror>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, stop: () => {} };
      if (signal) {
        waiter.stop = onAbort(signal, () => {
          loading.waiters.delete(waiter);
          reject(abortedError());
          if (loading.waiters.size === 0) this.#abandon(key, loading);
        });
      }
      loading.waiters.add(waiter);
    });
  }

  /** Drops `mirror` (and its watch) when no view holds it and none is promised. */
  release(mirror: Mirror): void {
    const key = keyOf(mirror.kind, mirror.path);
    if (this.#mirrors.get(key) !== mirror || mirror.views.size > 0 || mirror.reserved > 0) return;
    this.#mirrors.delete(key);
    this.#unwatchUnheld(mirror.kind, mirror.path);
  }

  onChildren(path: string, added: readonly string[], removed: readonly string[]): void {
    const mirror = this.#mirrors.get(keyOf('children', path));
    if (mirror && applyChildren(mirror, added, removed)) notify(mirror);
  }

  onData(path: string, snapshot: DataSnapshot): void {
    const mirror = this.#mirrors.get(keyOf('data', path));
    if (mirror && applyData(mirror, snapshot)) notify(mirror);
  }

  onDeleted(kind: WatchKind, path: string): void {
    const mirror = this.#detach(kind, path);
    if (!mirror) return;
    // Views that followed a link move off the mirror to resolve it again; the others see the node deleted.
    for (const view of mirror.views.all()) view[BEFORE_DELETE]?.();
    markDeleted(mirror);
    notify(mirror);
  }

  /** The worker could not keep the watch: the views end with `error` (the worker dropped the watch itself). */
  onEnded(kind: WatchKind, path: string, error: ZkError): void {
    const mirror = this.#detach(kind, path);
    if (!mirror) return;
    markEnded(mirror, error);
    notify(mirror);
  }

  /**
   * After the worker was replaced: watch everything again and deliver what changed meanwhile. `call` reaches the
   * new worker directly, since ordinary calls wait until the replacement (this included) is done. A mirror whose
   * re-watch fails ends (its views get the error, the application a `watch` failure) instead of failing the
   * replacement, which would only be tried again with the same result. Only a failure of the worker itself (it
   * died, or the client closed) is passed on: that is no mirror's fault, and the next worker watches it again.
   */
  async rewatchAll(call: WorkerCall): Promise<void> {
    await Promise.all([...this.#mirrors.values()].map((mirror) => this.#rewatch(mirror, call)));
  }

  /**
   * The client closed: every view closes too, without a callback (ending its `changes()` loops). Their mirrors are
   * forgotten first, so closing them sends the stopped worker nothing.
   */
  clear(): void {
    const mirrors = [...this.#mirrors.values()];
    this.#mirrors.clear();
    // Waiting callers learn at once; the loads themselves fail with the stopped worker (their outcome is ignored).
    for (const loading of this.#loading.values()) {
      for (const waiter of loading.waiters) {
        waiter.stop();
        waiter.reject(closedError());
      }
      loading.waiters.clear();
    }
    this.#loading.clear();
    for (const mirror of mirrors) for (const view of mirror.views.all()) view.close();
  }

  #load(kind: WatchKind, path: string, abortable: boolean): Loading {
    const key = keyOf(kind, path);
    const loading: Loading = {
      waiters: new Set(),
      controller: abortable ? new AbortController() : undefined,
    };
    this.#loading.set(key, loading);
    this.calls
      .run(
        loading.controller?.signal,
        async (api, call): Promise<Mirror> =>
          kind === 'children'
            ? childrenMirror(path, await api.watchChildren(path, call))
            : dataMirror(path, await api.watchData(path, call)),
        {
          // Every caller gave up, but the worker had already armed the watch when the abort reached it.
          abandoned: (work) => work.then(() => this.#unwatchUnheld(kind, path), ignore),
        },
      )
      .then(
        (mirror) => this.#loaded(key, loading, mirror),
        (error: unknown) => this.#failed(key, loading, error),
      );
    return loading;
  }

  #loaded(key: string, loading: Loading, mirror: Mirror): void {
    if (this.#loading.get(key) === loading) this.#loading.delete(key);
    if (loading.waiters.size === 0) {
      // The last caller gave up after the reply arrived: nobody will attach a view.
      this.#unwatchUnheld(mirror.kind, mirror.path);
      return;
    }
    this.#mirrors.set(key, mirror);
    // Reserved here, synchronously, for every caller: none of them can see the mirror dropped before it attaches.
    mirror.reserved += loading.waiters.size;
    for (const waiter of loading.waiters) {
      waiter.stop();
      waiter.resolve(mirror);
    }
  }

  #failed(key: string, loading: Loading, error: unknown): void {
    if (this.#loading.get(key) === loading) this.#loading.delete(key);
    for (const waiter of loading.waiters) {
      waiter.stop();
      waiter.reject(error);
    }
  }

  /** Every caller waiting for `loading` gave up: withdraw the read in the worker; a new caller starts afresh. */
  #abandon(key: string, loading: Loading): void {
    if (this.#loading.get(key) === loading) this.#loading.delete(key);
    loading.controller?.abort();
  }

  /**
   * An `unwatch` for a (kind, path) this client no longer holds. Commands and calls share one ordered port, so a
   * later load of the path is sent after it and re-arms the watch; one already in flight keeps it (not sent).
   */
  #unwatchUnheld(kind: WatchKind, path: string): void {
    const key = keyOf(kind, path);
    if (this.#mirrors.has(key) || this.#loading.has(key)) return;
    this.hooks.send({ type: 'unwatch', kind, path });
  }

  /** A mirror that will not change again leaves the registry; a later view of the path starts a new one. */
  #detach(kind: WatchKind, path: string): Mirror | undefined {
    const key = keyOf(kind, path);
    const mirror = this.#mirrors.get(key);
    if (mirror) this.#mirrors.delete(key);
    return mirror;
  }

  /** An idle view was garbage-collected without close(); true when its mirror was live (worth a warning). */
  #collected(mirror: Mirror, ref: WeakRef<MirrorView>): boolean {
    mirror.views.collected(ref);
    if (this.#mirrors.get(keyOf(mirror.kind, mirror.path)) !== mirror) return false;
    this.release(mirror);
    return true;
  }

  async #rewatch(mirror: Mirror, call: WorkerCall): Promise<void> {
    let changed: boolean;
    try {
      changed =
        mirror.kind === 'children'
          ? replaceChildren(mirror, await call((api) => api.watchChildren(mirror.path)))
          : applyData(mirror, await call((api) => api.watchData(mirror.path)));
    } catch (error) {
      this.#rewatchFailed(mirror, error);
      return;
    }
    if (this.#mirrors.get(keyOf(mirror.kind, mirror.path)) !== mirror) {
      // Its last view closed while the re-watch was in flight.
      this.#unwatchUnheld(mirror.kind, mirror.path);
      return;
    }
    if (changed) notify(mirror);
  }

  #rewatchFailed(mirror: Mirror, error: unknown): void {
    const code = (error as ZkError | undefined)?.code;
    if (code === 'WORKER_CRASHED' || code === 'CLOSED') throw error;
    if (this.#mirrors.get(keyOf(mirror.kind, mirror.path)) !== mirror) return;
    if (code === 'NO_NODE') {
      this.onDeleted(mirror.kind, mirror.path);
      return;
    }
    const ended = isZkError(error)
      ? error
      : zkError('INTERNAL', `re-watching ${mirror.path} failed: ${String(error)}`, {
          path: mirror.path,
          cause: error,
        });
    this.onEnded(mirror.kind, mirror.path, ended);
    this.hooks.failure({ kind: 'watch', path: mirror.path, error: ended });
  }
}

function notify(mirror: Mirror): void {
  for (const view of mirror.views.subscribed()) view[NOTIFY]();
}

function keyOf(kind: WatchKind, path: string): string {
  return `${kind}:${path}`;
}

function ignore(): void {}
