import { isDeepStrictEqual } from 'node:util';
import {
  CHILD_READ_BACKOFF,
  exponentialBackoff,
  joinPath,
  SessionError,
  type WatchKind,
  type ZkError,
} from '@zkit/protocol';
import type { Logger } from 'pino';
import { childrenMirror, endFollowing, type Mirror } from '../views/mirror.js';
import { BEFORE_DELETE, type MirrorView, NOTIFY } from '../views/mirror-views.js';
import type { Instance, InstanceProblem } from './instance.js';
import { InstanceTable } from './instance-table.js';
import type { ServiceFormatReader } from './service-formats.js';
import type { ChangeSet } from './services-diff.js';

/** What the follower needs of the client's MirrorRegistry: shared mirrors, given back when no view holds them. */
export interface MirrorSource {
  acquire(kind: WatchKind, path: string, signal?: AbortSignal): Promise<Mirror>;
  /** acquire(), following symbolic links when `path` does not exist. */
  follow(kind: WatchKind, path: string, signal?: AbortSignal): Promise<Mirror>;
  release(mirror: Mirror): void;
  /** A mirror acquired that no view will attach to after all. */
  giveBack(mirror: Mirror): void;
}

/** Someone following the instances: told every transition at once (`changes`), `deliver`ed once per turn. */
export interface ServiceSubscriber {
  readonly changes: ChangeSet;
  /** The turn's changes are in `changes`; `final` when the view will not change again (delivered even if empty). */
  deliver(final: boolean): void;
  /** The view closed: no more deliveries. */
  end(): void;
}

/** One child of the service: its data mirror (once loaded), and the mirror's link back to the follower. */
class ChildLink implements MirrorView {
  mirror: Mirror | undefined;
  load: AbortController | undefined;
  /** The next attempt at a first read that failed for the session's sake, and how many failed in a row. */
  retry: NodeJS.Timeout | undefined;
  failures = 0;

  constructor(
    readonly id: string,
    private readonly follower: ServiceFollower,
  ) {}

  [NOTIFY](): void {
    this.follower.dataChanged(this);
  }

  close(): void {
    this.follower.close();
  }
}

export interface FollowerOptions {
  readonly mirrors: MirrorSource;
  /** The service node's children mirror, just acquired (reserved for this follower). */
  readonly children: Mirror;
  /** The path asked for, when `children` is of the node its symbolic links led to. */
  readonly asked?: string;
  readonly format: ServiceFormatReader;
  readonly log: Logger;
}

/**
 * Keeps the instances of one service node: one children mirror of the node and one data mirror per child, all
 * shared with any other view of those paths (so the worker's watches, their re-arming after a new session or
 * worker, and the persistent recursive watch of big nodes all come for free). A child's data change notifies that
 * child's link alone, so it costs O(that instance). Every transition is recorded at once in each subscriber's
 * ChangeSet; subscribers are told once per event-loop turn, so changes that arrive together arrive as one.
 *
 * The follower holds its mirrors and subscribers strongly and never its Services view (services.ts) except
 * through the subscribers' callbacks: a view with no callbacks can be collected, and its finalizer closes this.
 */
export class ServiceFollower implements MirrorView {
  /** The path asked for; the node followed is `#children.path` (they differ when it was reached by a link). */
  readonly path: string;
  /** The service node's children mirror: replaced when the node followed through a link is deleted. */
  #children: Mirror;
  #relinking: AbortController | undefined;
  readonly #links = new Map<string, ChildLink>();
  readonly #instances = new InstanceTable();
  /** The problem each left-out child was last logged with, so one bad child is logged once, not per change. */
  readonly #problems = new Map<string, string>();
  readonly #subscribers = new Set<ServiceSubscriber>();
  /** Listed children whose node was not there when read. */
  readonly #missing = new Set<ChildLink>();
  /** Children listed at the start whose first read has not settled: ready() waits for them. */
  readonly #unready = new Set<ChildLink>();
  readonly #ready: Promise<void>;
  #resolveReady: () => void = () => {};
  #flushing: NodeJS.Immediate | undefined;
  #finished = false;
  #closed = false;

  constructor(private readonly options: FollowerOptions) {
    const { children } = options;
    this.path = options.asked ?? children.path;
    this.#children = children;
    children.views.add(this);
    children.views.subscribe(this);
    children.reserved = Math.max(0, children.reserved - 1);
    this.#ready = new Promise((resolve) => (this.#resolveReady = resolve));
    for (const id of children.names) {
      const link = this.#link(id);
      if (link.load !== undefined) this.#unready.add(link);
    }
    this.#checkReady();
  }

  /**
   * Resolves once the data of every child listed at the start was read, found gone or found bad (a read that failed
   * for the session's sake is waited for until it succeeds), or the follower closed. Never rejects.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get deleted(): boolean {
    return this.#children.deleted;
  }

  get error(): ZkError | undefined {
    return this.#children.error;
  }

  /** The service node followed: `path` with its symbolic links followed. */
  get resolvedPath(): string {
    return this.#children.path;
  }

  /** Deleted, ended or closed: the instances will not change again. */
  get finished(): boolean {
    return this.#finished || this.#closed;
  }

  get size(): number {
    return this.#instances.size;
  }

  get(id: string): Instance | undefined {
    return this.#instances.get(id);
  }

  /** The instances sorted by id, as a frozen snapshot replaced (never changed) when they change. */
  sorted(): readonly Instance[] {
    return this.#instances.sorted();
  }

  subscribe(subscriber: ServiceSubscriber): void {
    this.#subscribers.add(subscriber);
  }

  unsubscribe(subscriber: ServiceSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  /** The children mirror changed: follow the names (O(change)); deleted or ended, the view finishes. */
  [NOTIFY](): void {
    if (this.#closed || this.#finished) return;
    const children = this.#children;
    if (children.deleted) {
      for (const link of [...this.#links.values()]) this.#drop(link);
    } else if (children.error === undefined) {
      this.#follow();
      return;
    } else {
      // Ended (the watch could not be kept): keep the last instances, as a children view keeps its last names.
      for (const link of this.#links.values()) this.#unlink(link);
      this.#links.clear();
      this.#missing.clear();
    }
    this.#finished = true;
    // No first read still pending will be waited for: zk.services() resolves with what the view holds.
    this.#unready.clear();
    this.#checkReady();
    this.#schedule();
  }

  /** A child's data mirror changed (or was deleted or ended). */
  dataChanged(link: ChildLink): void {
    if (this.#closed || this.#finished || this.#links.get(link.id) !== link) return;
    const mirror = link.mirror;
    if (mirror === undefined) return;
    if (mirror.deleted) {
      // The child is gone (its name leaves the list soon), or was deleted and made again: read it afresh.
      this.#unlink(link);
      this.#set(link.id, undefined);
      if (this.#children.names.has(link.id)) this.#load(link);
      return;
    }
    if (mirror.error !== undefined) {
      // The worker could not keep this child's watch (a failure the application heard of): keep what was read.
      this.#unlink(link);
      return;
    }
    this.#parse(link.id, mirror);
  }

  /**
   * The service node is being deleted. Reached through a link, the follower keeps its instances on a private copy
   * of the list while `path` is resolved again; then it follows the new node's children (the old ones leave, the
   * new ones come, in one delivery when their data is read), or, when `path` names nothing now, is deleted.
   */
  [BEFORE_DELETE](): void {
    const from = this.#children;
    if (this.#closed || this.#finished || this.#relinking !== undefined || this.path === from.path) return;
    const interim = childrenMirror(from.path, [...from.names]);
    from.views.remove(this);
    this.#children = interim;
    interim.views.add(this);
    interim.views.subscribe(this);
    const controller = new AbortController();
    this.#relinking = controller;
    this.options.mirrors.follow('children', this.path, controller.signal).then(
      (mirror) => {
        this.#relinking = undefined;
        if (this.#closed) {
          this.options.mirrors.giveBack(mirror);
          return;
        }
        this.#children = mirror;
        mirror.views.add(this);
        mirror.views.subscribe(this);
        mirror.reserved = Math.max(0, mirror.reserved - 1);
        // Every child is another node now, even one of the same name.
        for (const link of [...this.#links.values()]) this.#drop(link);
        for (const id of mirror.names) this.#link(id);
      },
      (error: unknown) => {
        this.#relinking = undefined;
        if (this.#closed) return;
        const outcome = endFollowing(interim, error, this.path);
        if (outcome === 'closed') {
          this.close();
          return;
        }
        if (outcome === 'ended') {
          this.options.log.warn(
            { err: error, path: this.path },
            'a services view could not follow its link again',
          );
        }
        this[NOTIFY]();
      },
    );
  }

  /** Releases every mirror (the last holder gives the worker's watches back) and ends every subscriber. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#relinking?.abort();
    if (this.#flushing !== undefined) clearImmediate(this.#flushing);
    for (const link of this.#links.values()) this.#unlink(link);
    this.#links.clear();
    this.#missing.clear();
    const children = this.#children;
    children.views.remove(this);
    this.options.mirrors.release(children);
    for (const subscriber of [...this.#subscribers]) subscriber.end();
    this.#subscribers.clear();
    this.#unready.clear();
    this.#checkReady();
  }

  /**
   * Follows one change of the list in O(change): the mirror says which names it added and removed. Children found
   * missing though listed (deleted and made again between two reads) are tried again at each change.
   */
  #follow(): void {
    const { names, lastChange } = this.#children;
    if (lastChange === undefined) return;
    for (const id of lastChange.removed) {
      const link = this.#links.get(id);
      if (link !== undefined && !names.has(id)) this.#drop(link);
    }
    for (const id of lastChange.added) if (names.has(id)) this.#link(id);
    for (const link of [...this.#missing]) if (names.has(link.id)) this.#load(link);
  }

  #link(id: string): ChildLink {
    const linked = this.#links.get(id);
    if (linked !== undefined) return linked;
    const link = new ChildLink(id, this);
    this.#links.set(id, link);
    const problem = this.options.format.checkName(id);
    // A name that can be no instance costs no watch: its data is never read.
    if (problem === undefined) this.#load(link);
    else this.#noteProblem(problem);
    return link;
  }

  #load(link: ChildLink): void {
    clearTimeout(link.retry);
    link.retry = undefined;
    const controller = new AbortController();
    link.load = controller;
    this.#missing.delete(link);
    const path = joinPath(this.#children.path, link.id);
    this.options.mirrors.acquire('data', path, controller.signal).then(
      (mirror) => {
        if (link.load !== controller || this.#links.get(link.id) !== link || this.#closed || this.#finished) {
          // Dropped while its first read was in flight: give the reservation back.
          mirror.reserved = Math.max(0, mirror.reserved - 1);
          this.options.mirrors.release(mirror);
          return;
        }
        link.load = undefined;
        link.failures = 0;
        link.mirror = mirror;
        mirror.views.add(link);
        mirror.views.subscribe(link);
        mirror.reserved = Math.max(0, mirror.reserved - 1);
        this.#parse(link.id, mirror);
        this.#settled(link);
      },
      (error: unknown) => {
        if (link.load !== controller) return;
        link.load = undefined;
        const code = (error as ZkError | undefined)?.code;
        if (code === 'CLOSED' || code === 'ABORTED') return;
        if (error instanceof SessionError) {
          // Not the child's fault (the worker was replaced, the connection lost): try again until it is read.
          link.retry = setTimeout(() => this.#load(link), retryDelay(++link.failures)).unref();
          return;
        }
        // Deleted between the list and the read: simply absent. Anything else (NO_AUTH): left out, said once.
        // Either way it is read again at the next change of the list.
        this.#missing.add(link);
        if (code !== 'NO_NODE') {
          this.#noteProblem({ id: link.id, problem: `its data could not be read: ${code ?? String(error)}` });
        } else if (this.#children.names.has(link.id)) {
          // Still listed: it may have been made again before the list was re-read, which then shows no change to
          // read it again at. Try again until it is read or leaves the list (dropping the link stops this).
          link.retry = setTimeout(() => this.#load(link), retryDelay(++link.failures)).unref();
        }
        this.#settled(link);
      },
    );
  }

  #settled(link: ChildLink): void {
    if (this.#unready.delete(link)) this.#checkReady();
  }

  #checkReady(): void {
    if (this.#unready.size === 0) this.#resolveReady();
  }

  #parse(id: string, mirror: Mirror): void {
    const parsed = this.options.format.parse(id, mirror.data);
    if ('instance' in parsed) {
      this.#problems.delete(id);
      this.#set(id, parsed.instance);
    } else {
      this.#noteProblem(parsed);
      this.#set(id, undefined);
    }
  }

  /** The child left the list: its instance goes, its mirror is given back (or its first read withdrawn). */
  #drop(link: ChildLink): void {
    this.#unlink(link);
    this.#links.delete(link.id);
    this.#missing.delete(link);
    this.#settled(link);
    this.#problems.delete(link.id);
    this.#set(link.id, undefined);
  }

  #unlink(link: ChildLink): void {
    clearTimeout(link.retry);
    link.retry = undefined;
    link.load?.abort();
    link.load = undefined;
    const mirror = link.mirror;
    link.mirror = undefined;
    if (mirror === undefined) return;
    mirror.views.remove(link);
    this.options.mirrors.release(mirror);
  }

  #set(id: string, next: Instance | undefined): void {
    const previous = this.#instances.get(id);
    if (previous === next) return;
    // A write of the same data (a new mzxid) changes nothing anyone could see.
    if (previous !== undefined && next !== undefined && isDeepStrictEqual(previous, next)) return;
    this.#instances.set(id, next);
    if (this.#subscribers.size === 0) return;
    for (const subscriber of this.#subscribers) subscriber.changes.record(id, previous, next);
    this.#schedule();
  }

  #noteProblem({ id, problem }: InstanceProblem): void {
    if (this.#problems.get(id) === problem) return;
    this.#problems.set(id, problem);
    this.options.log.warn(
      { path: this.path, child: id, problem },
      'a child of a service is not a valid instance: it is left out of the view',
    );
  }

  /** One delivery per event-loop turn: what arrived together is told together. */
  #schedule(): void {
    this.#flushing ??= setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushing = undefined;
    const final = this.#finished;
    for (const subscriber of [...this.#subscribers]) {
      if (this.#subscribers.has(subscriber)) subscriber.deliver(final);
    }
    if (!final) return;
    for (const subscriber of [...this.#subscribers]) subscriber.end();
    this.#subscribers.clear();
  }
}

const retryDelay = exponentialBackoff(CHILD_READ_BACKOFF);
