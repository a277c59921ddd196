import { LiveView } from './live-view.js';

/**
 * The live set of a node's child names (for a service, its servers' `HOST:PORT`). Iterating reads the main
 * thread's mirror: no call to ZooKeeper, no await.
 */
export class Children extends LiveView<Children> implements Iterable<string> {
  get size(): number {
    return this.mirror.names.size;
  }

  has(name: string): boolean {
    return this.mirror.names.has(name);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.mirror.names.values();
  }

  /** The names, sorted: handy for logs and comparisons. */
  toArray(): string[] {
    return [...this.mirror.names].sort();
  }

  toJSON(): string[] {
    return this.toArray();
  }

  protected self(): Children {
    return this;
  }
}
