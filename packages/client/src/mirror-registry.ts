import type { DataSnapshot, WatchKind, WorkerCommand, ZkError } from '@zkit/worker';
import {
  applyChildren,
  applyData,
  childrenMirror,
  dataMirror,
  type Mirror,
  markDeleted,
  replaceChildren,
} from './mirrors.js';
import type { WorkerCall } from './worker-handle.js';

/**
 * One mirror per watched (kind, path), shared by all views of it; loading is shared too, so two concurrent
 * `children(path)` calls cost one ZooKeeper watch. The last view to close gives the watch back.
 */
export class MirrorRegistry {
  readonly #mirrors = new Map<string, Mirror>();
  readonly #loading = new Map<string, Promise<Mirror>>();

  constructor(
    private readonly call: WorkerCall,
    private readonly send: (command: WorkerCommand) => void,
  ) {}

  /** The caller must attach a view to the mirror it gets (LiveView's constructor does), without awaiting first. */
  async acquire(kind: WatchKind, path: string): Promise<Mirror> {
    const key = keyOf(kind, path);
    let mirror = this.#mirrors.get(key);
    if (mirror) {
      mirror.reserved++;
      return mirror;
    }
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#load(kind, path).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    mirror = await loading;
    mirror.reserved++;
    return mirror;
  }

  release(mirror: Mirror): void {
    const key = keyOf(mirror.kind, mirror.path);
    if (this.#mirrors.get(key) !== mirror || mirror.views.size > 0 || mirror.reserved > 0) return;
    this.#mirrors.delete(key);
    // One-way: it reaches the worker in order with later calls (a re-watch of the path), and nothing waits on it.
    if (!mirror.deleted) this.send({ type: 'unwatch', kind: mirror.kind, path: mirror.path });
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
    const key = keyOf(kind, path);
    const mirror = this.#mirrors.get(key);
    if (!mirror) return;
    // A deleted mirror is final; a later children(path) starts afresh (the node may be created again).
    this.#mirrors.delete(key);
    markDeleted(mirror);
    notify(mirror);
  }

  /**
   * After the worker was replaced: watch everything again and deliver what changed meanwhile. `call` reaches the
   * new worker directly, since ordinary calls wait until the replacement (this included) is done.
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
    for (const mirror of mirrors) for (const view of [...mirror.views]) view.close();
  }

  async #load(kind: WatchKind, path: string): Promise<Mirror> {
    const mirror =
      kind === 'children'
        ? childrenMirror(path, await this.call((api) => api.watchChildren(path)))
        : dataMirror(path, await this.call((api) => api.watchData(path)));
    this.#mirrors.set(keyOf(kind, path), mirror);
    return mirror;
  }

  async #rewatch(mirror: Mirror, call: WorkerCall): Promise<void> {
    try {
      const changed =
        mirror.kind === 'children'
          ? replaceChildren(mirror, await call((api) => api.watchChildren(mirror.path)))
          : applyData(mirror, await call((api) => api.watchData(mirror.path)));
      if (changed) notify(mirror);
    } catch (error) {
      if ((error as ZkError).code === 'NO_NODE') this.onDeleted(mirror.kind, mirror.path);
      else throw error;
    }
  }
}

function notify(mirror: Mirror): void {
  for (const view of [...mirror.views]) view.notify();
}

function keyOf(kind: WatchKind, path: string): string {
  return `${kind}:${path}`;
}
