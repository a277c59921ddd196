import { closedError, type ZkError, zkError } from '@zkit/protocol';
import type { Logger } from 'pino';
import { type CallOptions, raceSignal } from '../thread/abortable.js';
import { type Subscription, subscription } from '../views/subscription.js';
import type { Instance, ServiceChange, ServiceFormat } from './instance.js';
import { createProvider, type Provider, type ProviderOptions } from './provider.js';
import { type MirrorSource, ServiceFollower, type ServiceSubscriber } from './service-follower.js';
import { formatReader } from './service-formats.js';
import { ChangeSet, changeOf } from './services-diff.js';

export interface ServicesOptions extends CallOptions {
  /** How the instances are written: zkit's `HOST:PORT` children, or Curator's x-discovery JSON. @default 'zkit' */
  readonly format?: ServiceFormat;
}

/** A `watch` callback: the view, what changed since the last call (at first: every instance `added`), and `stop`. */
export type ServicesCallback = (view: Services, change: ServiceChange, stop: Subscription) => void;

/**
 * A live view of a service's instances: one per child of the service's node, with the child's data read and kept
 * current. Reads are synchronous (the instances live on this thread); `watch` and `changes()` tell what changed.
 * A child that is no valid instance is left out (and logged once), without hiding the others.
 */
export class Services implements Iterable<Instance>, Disposable {
  readonly #follower: ServiceFollower;
  readonly #log: Logger;

  /** Made by `zk.services()` only. */
  constructor(
    follower: ServiceFollower,
    readonly format: ServiceFormat,
    log: Logger,
  ) {
    this.#follower = follower;
    this.#log = log;
  }

  /** The path the view was asked for. */
  get path(): string {
    return this.#follower.path;
  }

  /**
   * The service node followed: `path` with its symbolic links followed. When that node is deleted, a view that
   * followed a link resolves `path` again and follows the new node; it is deleted only when `path` names nothing.
   */
  get resolvedPath(): string {
    return this.#follower.resolvedPath;
  }

  get size(): number {
    return this.#follower.size;
  }

  /** True once the service's node was deleted: the view is empty and its callbacks will not run again. */
  get deleted(): boolean {
    return this.#follower.deleted;
  }

  /** Why the view stopped following the service's node (its watch could not be kept); it keeps its last instances. */
  get error(): ZkError | undefined {
    return this.#follower.error;
  }

  get(id: string): Instance | undefined {
    return this.#follower.get(id);
  }

  has(id: string): boolean {
    return this.#follower.get(id) !== undefined;
  }

  /** The instances sorted by id, as they were when the loop started. */
  [Symbol.iterator](): IterableIterator<Instance> {
    return this.#follower.sorted()[Symbol.iterator]();
  }

  /** The instances sorted by id: a new array each time (yours to change; the instances are frozen). */
  toArray(): Instance[] {
    return [...this.#follower.sorted()];
  }

  toJSON(): Instance[] {
    return this.toArray();
  }

  /**
   * Calls `callback(view, change, stop)` at once with every instance `added`, then once per event-loop turn in
   * which instances changed (and once more, maybe with an empty change, when the node is deleted or the view ends).
   * A callback that throws is logged and removed; the others carry on.
   */
  watch(callback: ServicesCallback): Subscription {
    if (typeof callback !== 'function') throw zkError('INVALID_OPTION', 'watch() takes a function');
    this.#checkOpen();
    const changes = new ChangeSet();
    const watcher: ServiceSubscriber = {
      changes,
      deliver: (final) => {
        if (final || !changes.empty) this.#call(callback, changes.take(), stop);
      },
      end: () => {},
    };
    const stop = subscription(() => this.#follower.unsubscribe(watcher));
    // A finished view will not change again: one call, and nothing is kept.
    if (!this.#follower.finished) this.#follower.subscribe(watcher);
    this.#call(callback, changeOf(this.toArray()), stop);
    return stop;
  }

  /**
   * The changes as an async iterator: first every instance `added`, then what changed. Changes that come faster
   * than the loop takes them are merged (added then removed is nothing; updated twice is the last form). It ends
   * after the node is deleted or the view ends, when the view or its client closes, or when the loop breaks.
   */
  changes(): AsyncIterableIterator<ServiceChange> {
    this.#checkOpen();
    const changes = new ChangeSet();
    for (const instance of this.#follower.sorted()) changes.record(instance.id, undefined, instance);
    let finished = this.#follower.finished;
    let wake: (() => void) | undefined;
    const subscriber: ServiceSubscriber = {
      changes,
      deliver: () => wake?.(),
      end: () => {
        finished = true;
        wake?.();
      },
    };
    if (!finished) this.#follower.subscribe(subscriber);
    const step = async (): Promise<IteratorResult<ServiceChange>> => {
      while (changes.empty && !finished) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (!changes.empty) return { done: false, value: changes.take() };
      this.#follower.unsubscribe(subscriber);
      return { done: true, value: undefined };
    };
    // Calls to next() made before the previous one settled wait their turn, so none is left unanswered.
    let previous: Promise<unknown> = Promise.resolve();
    return {
      next: () => {
        const result = previous.then(step);
        previous = result;
        return result;
      },
      return: async () => {
        finished = true;
        changes.take();
        this.#follower.unsubscribe(subscriber);
        wake?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * Picks instances of this view (round robin by default), skipping disabled ones and those `noteError` marked
   * down. It reads the view as it is at each pick, so it follows the service for as long as the view is open.
   */
  provider(options?: ProviderOptions): Provider {
    return createProvider(() => this.#follower.sorted(), options);
  }

  /** Stops following the service: every watch this view held is given back (when no other view holds it). */
  close(): void {
    finalizer.unregister(this);
    this.#follower.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #checkOpen(): void {
    if (this.#follower.closed) {
      throw zkError('CLOSED', `this view of ${this.path} is closed`, { path: this.path });
    }
  }

  #call(callback: ServicesCallback, change: ServiceChange, stop: Subscription): void {
    try {
      callback(this, change, stop);
    } catch (error) {
      stop();
      this.#log.error({ err: error, path: this.path }, 'watch callback threw; it was removed');
    }
  }
}

/** The client's side of `zk.services()`: where mirrors come from, and its logger. */
export interface ServicesHost {
  readonly mirrors: MirrorSource;
  readonly log: Logger;
}

/**
 * Opens a services view of `path` (already validated): resolves once the children list and the data of every child
 * in it were read. Rejects NO_NODE when the node does not exist, ABORTED when `signal` fires first (nothing is
 * left held), CLOSED when the client closed meanwhile.
 */
export async function openServices(
  host: ServicesHost,
  path: string,
  options: ServicesOptions,
): Promise<Services> {
  const format = options.format ?? 'zkit';
  const asked = formatReader(format, path);
  const children = await host.mirrors.follow('children', path, options.signal);
  // Curator's instances name the node they are under: the one the links led to.
  const reader = children.path === path ? asked : formatReader(format, children.path);
  const follower = new ServiceFollower({
    mirrors: host.mirrors,
    children,
    asked: path,
    format: reader,
    log: host.log,
  });
  try {
    await raceSignal(options.signal, follower.ready());
  } catch (error) {
    follower.close();
    throw error;
  }
  if (follower.closed) throw closedError();
  const view = new Services(follower, format, host.log);
  finalizer.register(view, { follower, log: host.log }, view);
  return view;
}

interface Held {
  readonly follower: ServiceFollower;
  readonly log: Logger;
}

/** Clients whose logger was told once that a services view was dropped unclosed (then at `debug`). */
const warned = new WeakSet<Logger>();

/**
 * The safety net for views dropped without close() (as view-finalizer.ts is for the other views): a view without
 * callbacks or loops is reachable only from the application, so once collected its follower is closed, which gives
 * every watch back.
 */
const finalizer = new FinalizationRegistry<Held>(({ follower, log }) => {
  if (follower.closed) return;
  const live = !follower.finished;
  follower.close();
  if (!live) return;
  const fields = { path: follower.path, kind: 'services' };
  const msg =
    'a view was garbage-collected without close(); close views (or `using` them) to free their watch';
  if (warned.has(log)) {
    log.debug(fields, msg);
    return;
  }
  warned.add(log);
  log.warn(fields, msg);
});
