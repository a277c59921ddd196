import {
  type AclEntry,
  decodeProperties,
  isZkError,
  joinPath,
  parentOf,
  type ResolveRead,
  resolvePath,
  splitPath,
  type ZkError,
} from '@zkit/protocol';
import { throwIfAborted } from '../calls.js';
import { createContainer } from '../nzc/create-container.js';
import {
  type Client,
  create,
  exists,
  getData,
  remove,
  replaceEphemeral,
  sessionIdHex,
  type Watcher,
  wireAcl,
} from '../session/ops.js';
import type { Session } from '../session/session.js';
import type { RegistrationEntry } from './registration-entry.js';

/** A parent deleted as fast as we create it (a container being reaped) ends the attempt after this many rounds. */
const MAX_PARENT_ROUNDS = 5;

export interface RegistrationOptions {
  readonly registrationAcl: readonly AclEntry[];
  readonly parentAcl: readonly AclEntry[];
}

/** Who holds a registration's node: nobody, this session, an earlier session of this process, or someone else. */
export type Owner = 'none' | 'current' | 'stale' | 'foreign';

/** One exists watcher per path and client, woken for everyone waiting on that path. */
interface DeletionWatch {
  readonly client: Client;
  readonly watcher: Watcher;
  readonly waiters: Set<() => void>;
}

/**
 * The ZooKeeper requests behind registrations: the ephemeral node, its parents, who owns it, and waiting for it to
 * go. The lifecycle (when to place, restore or remove) is ephemeral-registry.ts.
 */
export class RegistrationNodes {
  readonly #deletions = new Map<string, DeletionWatch>();
  /** Clients whose server answered a container create UNIMPLEMENTED. */
  readonly #noContainers = new WeakSet<Client>();

  constructor(
    private readonly session: Session,
    private readonly options: RegistrationOptions,
  ) {}

  async owner(client: Client, path: string): Promise<{ owner: Owner; ownerId?: string }> {
    const stat = await exists(client, path);
    if (stat === null) return { owner: 'none' };
    // ephemeralOwner tells our own stale node (an earlier session of this process) from another session's.
    const ownerId = sessionIdHex(stat.ephemeralOwner);
    if (ownerId === this.session.sessionId) return { owner: 'current', ownerId };
    if (this.session.ownSessions.includes(ownerId)) return { owner: 'stale', ownerId };
    return { owner: 'foreign', ownerId };
  }

  /** Deletes the node if this session owns it: another session may hold the address by now. */
  async removeIfOurs(client: Client, path: string): Promise<void> {
    if ((await this.owner(client, path)).owner !== 'current') return;
    await remove(client, path).catch((error: ZkError) => {
      if (error.code !== 'NO_NODE') throw error;
    });
  }

  /**
   * Creates the ephemeral node at `entry.path`, and its missing parents the entry's way. A missing parent may be a
   * symbolic link (zc.zk's `"name ->"` property): the path is then resolved, and the node created where it leads,
   * `entry.node` telling where (set before each create, so a NODE_EXISTS answer is about `entry.node`). Only a create
   * that failed NO_NODE costs reads: a path without links is placed as before. A container parent the server reaps
   * between our parent create and the node's (it emptied a moment before) makes the create fail NO_NODE: tried
   * again, a bounded number of times.
   */
  async createWithParents(
    client: Client,
    entry: Pick<RegistrationEntry, 'path' | 'node' | 'parents'>,
    data: Buffer,
  ): Promise<void> {
    entry.node = entry.path;
    for (let round = 1; ; round++) {
      try {
        await create(client, entry.node, data, this.options.registrationAcl, true);
        return;
      } catch (error) {
        if ((error as ZkError).code !== 'NO_NODE' || round > MAX_PARENT_ROUNDS) throw error;
      }
      if (round === 1) {
        const resolved = await this.locate(client, entry.path);
        if (resolved !== entry.node) {
          entry.node = resolved;
          continue;
        }
      }
      await this.#mkdirs(client, parentOf(entry.node), entry.parents === 'container');
    }
  }

  /**
   * Where a node at `path` belongs once symbolic links are followed: the deepest ancestor that resolves, with the
   * rest of `path` under it (`path` itself when no link is on the way). The missing rest is made as parents.
   */
  async locate(client: Client, path: string): Promise<string> {
    const read = async (at: string): Promise<ResolveRead> => {
      try {
        return { exists: true, properties: decodeProperties((await getData(client, at)).data).properties };
      } catch (error) {
        if (isZkError(error, 'NO_NODE')) return { exists: false, properties: {} };
        throw error;
      }
    };
    const rest: string[] = [];
    for (let at = path; at !== '/'; ) {
      const [parent, name] = splitPath(at);
      rest.unshift(name);
      try {
        const resolved = await resolvePath(read, parent);
        return rest.reduce(joinPath, resolved);
      } catch (error) {
        if (!isZkError(error, 'NO_NODE')) throw error;
      }
      at = parent;
    }
    return path;
  }

  /**
   * Makes our node hold `wanted()`'s data, `written` being what it holds (read when unknown). A create carries the
   * data of its time: an update since must still reach the node. Loops while updates keep coming; every write
   * sends the latest data, so the last one sent wins.
   */
  async syncData(client: Client, path: string, wanted: () => Buffer, written?: Buffer): Promise<void> {
    let held = written ?? (await getData(client, path)).data ?? Buffer.alloc(0);
    while (!held.equals(wanted())) {
      const next = wanted();
      await replaceEphemeral(client, path, next, this.options.registrationAcl);
      held = next;
    }
  }

  /**
   * Resolves when the node may be gone: its exists watch fired (deleted, or changed: look again), the session that
   * set the watch ended (that client's watchers never fire), or at once when it is gone already or the request
   * failed. Rejects with ABORTED when `signal` fires.
   */
  async deletion(client: Client, path: string, signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const watch = this.#watch(client, path);
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    watch.waiters.add(wake);
    signal.addEventListener('abort', wake, { once: true });
    exists(client, path, watch.watcher).then(
      (stat) => stat === null && wake(),
      () => wake(),
    );
    try {
      await woken;
    } finally {
      watch.waiters.delete(wake);
      signal.removeEventListener('abort', wake);
    }
    throwIfAborted(signal);
  }

  /**
   * node-zookeeper-client keeps every distinct watcher function until its watch fires, so each wait reuses its
   * path's one function instead of adding a closure per try (see Watches.#watchers).
   */
  #watch(client: Client, path: string): DeletionWatch {
    const known = this.#deletions.get(path);
    if (known?.client === client) return known;
    const waiters = new Set<() => void>();
    const wakeAll = (): void => {
      if (this.#deletions.get(path) === watch) this.#deletions.delete(path);
      for (const wake of [...waiters]) wake();
    };
    const watch: DeletionWatch = { client, waiters, watcher: wakeAll };
    this.#deletions.set(path, watch);
    // The watch lives as long as the client that set it: once that client is gone, it will never fire.
    void this.session.ended().then(wakeAll);
    return watch;
  }

  async #mkdirs(client: Client, path: string, container: boolean): Promise<void> {
    if (path === '/') return;
    try {
      await this.#createParent(client, path, container);
    } catch (error) {
      const code = (error as ZkError).code;
      if (code === 'NODE_EXISTS') return;
      if (code !== 'NO_NODE') throw error;
      await this.#mkdirs(client, parentOf(path), container);
      await this.#mkdirs(client, path, container);
    }
  }

  /** A container where the server has them (as Curator makes a service's parents), else a persistent node. */
  async #createParent(client: Client, path: string, container: boolean): Promise<void> {
    const acl = this.options.parentAcl;
    if (container && !this.#noContainers.has(client)) {
      if (await createContainer(client, path, wireAcl(acl))) return;
      // Before 3.5.3: the server will not know them on this session's connections either.
      this.#noContainers.add(client);
    }
    await create(client, path, Buffer.alloc(0), acl, false);
  }
}
