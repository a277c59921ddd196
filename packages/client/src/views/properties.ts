import { type JsonObject, type JsonValue, type PropertiesWrite, zkError } from '@zkit/protocol';
import type { CallOptions } from '../thread/abortable.js';
import { LiveView, type ViewOwner } from './live-view.js';
import type { Mirror } from './mirror.js';

export type PropertiesWriter = (
  path: string,
  mode: PropertiesWrite,
  value: unknown,
  options: CallOptions,
) => Promise<void>;

export interface PropertiesViewOptions {
  /** Writes for `update` and `set`. */
  readonly write: PropertiesWriter;
  /** The path asked for, when `mirror` is of the node its symbolic links led to. */
  readonly asked?: string;
}

/**
 * A live, read-only mapping of a node's JSON data (zc.zk's properties). Reads come from the main thread's mirror;
 * `update` and `set` write through the worker, compare-and-set, and resolve once this view shows the change.
 */
export class Properties extends LiveView<Properties> implements Iterable<[string, JsonValue]> {
  readonly #write: PropertiesWriter;

  constructor(mirror: Mirror, owner: ViewOwner, options: PropertiesViewOptions) {
    super(mirror, owner, options.asked);
    this.#write = options.write;
  }

  get #data(): JsonObject {
    return this.mirror.data.properties;
  }

  get(key: string): JsonValue | undefined {
    return Object.hasOwn(this.#data, key) ? this.#data[key] : undefined;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#data, key);
  }

  keys(): IterableIterator<string> {
    return Object.keys(this.#data)[Symbol.iterator]();
  }

  values(): IterableIterator<JsonValue> {
    return Object.values(this.#data)[Symbol.iterator]();
  }

  entries(): IterableIterator<[string, JsonValue]> {
    return Object.entries(this.#data)[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, JsonValue]> {
    return this.entries();
  }

  get size(): number {
    return Object.keys(this.#data).length;
  }

  /** ZooKeeper's version of the node data this view shows (-1 once deleted). */
  get version(): number {
    return this.mirror.data.version;
  }

  /** The data as a frozen plain object. */
  toJSON(): JsonObject {
    return this.#data;
  }

  /**
   * Merges `changes` into the node's data (zc.zk's `update`); concurrent writers lose nothing. With `signal`, an
   * abort rejects ABORTED at once and the worker writes nothing after it (a write it had already made stays).
   */
  update(changes: JsonObject, options: CallOptions = {}): Promise<void> {
    return this.#writeData('update', changes, options);
  }

  /** Replaces the node's data with `properties` (zc.zk's `set`): keys not given are removed. `signal` as `update`. */
  set(properties: JsonObject, options: CallOptions = {}): Promise<void> {
    return this.#writeData('set', properties, options);
  }

  protected self(): Properties {
    return this;
  }

  #writeData(mode: PropertiesWrite, value: unknown, options: CallOptions): Promise<void> {
    if (this.deleted) {
      return Promise.reject(zkError('NO_NODE', `${this.path} was deleted`, { path: this.path }));
    }
    // The node shown, not the path asked for: a write through a link writes the linked node.
    return this.#write(this.resolvedPath, mode, value, options ?? {});
  }
}
