import { LiveView } from './live-view.js';
import { sortedNames } from './mirror.js';

/**
 * The live set of a node's child names (for a service, its servers' `HOST:PORT`). Reading it reads the main
 * thread's mirror: no call to ZooKeeper, no await.
 */
export class Children extends LiveView<Children> implements Iterable<string> {
  get size(): number {
    return this.mirror.names.size;
  }

  has(name: string): boolean {
    return this.mirror.names.has(name);
  }

  /**
   * Walks the names in sorted order (the order of `toArray()`), as they were when the loop started: changes that
   * arrive while it runs show in the next loop, not this one.
   */
  [Symbol.iterator](): IterableIterator<string> {
    return sortedNames(this.mirror)[Symbol.iterator]();
  }

  /** The names, sorted: handy for logs and comparisons. A new array each time (yours to change). */
  toArray(): string[] {
    return [...sortedNames(this.mirror)];
  }

  toJSON(): string[] {
    return this.toArray();
  }

  protected self(): Children {
    return this;
  }
}
