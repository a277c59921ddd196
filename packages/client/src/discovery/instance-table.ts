import type { Instance } from './instance.js';

/**
 * A service's instances by id, with a sorted snapshot for iteration and providers. The snapshot is frozen and
 * replaced, never changed; after a change it is rebuilt on the next read by merging the changed ids into the last
 * one, O(size + changes), rather than sorting every instance again.
 */
export class InstanceTable {
  readonly #byId = new Map<string, Instance>();
  #sorted: readonly Instance[] = Object.freeze([]);
  /** Ids changed since `#sorted` was made. */
  readonly #unsorted = new Set<string>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Instance | undefined {
    return this.#byId.get(id);
  }

  /** Puts `instance` in place of `id`'s, or takes `id`'s out when undefined. */
  set(id: string, instance: Instance | undefined): void {
    if (instance === undefined) this.#byId.delete(id);
    else this.#byId.set(id, instance);
    this.#unsorted.add(id);
  }

  /** The instances sorted by id. */
  sorted(): readonly Instance[] {
    if (this.#unsorted.size === 0) return this.#sorted;
    const kept = this.#sorted.filter((instance) => !this.#unsorted.has(instance.id));
    const fresh: Instance[] = [];
    for (const id of this.#unsorted) {
      const instance = this.#byId.get(id);
      if (instance !== undefined) fresh.push(instance);
    }
    this.#unsorted.clear();
    this.#sorted = Object.freeze(merge(kept, fresh.sort(byId)));
    return this.#sorted;
  }
}

function byId(a: Instance, b: Instance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Two lists sorted by id, with no id in both, as one. */
function merge(a: readonly Instance[], b: readonly Instance[]): Instance[] {
  const out: Instance[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    out.push(byId(a[i] as Instance, b[j] as Instance) < 0 ? (a[i++] as Instance) : (b[j++] as Instance));
  }
  while (i < a.length) out.push(a[i++] as Instance);
  while (j < b.length) out.push(b[j++] as Instance);
  return out;
}
