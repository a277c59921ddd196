import { parentOf } from './data.js';
import { type ZkError, zkError } from './errors.js';
import { errorFields, type Log } from './log-forward.js';
import type { AclEntry, RegisterRequest } from './protocol.js';
import { delay } from './retry.js';
import { isLost, type Session } from './session.js';
import type { Watches } from './watches.js';
import {
  type Client,
  create,
  exists,
  remove,
  replaceEphemeral,
  sessionIdHex,
  type Watcher,
} from './zk-ops.js';

/**
 * The ephemeral nodes this process registered. ZooKeeper deletes them when their session ends, so after a new
 * session (or a stall, which removes them on purpose) this registry puts them back with their last data.
 */
interface Registration {
  readonly path: string;
  data: Buffer;
  /** Bumped on every (re)placement, so a wait from an older one gives up when a newer one starts. */
  generation: number;
  present: boolean;
}

export interface RegistrationOptions {
  readonly registrationAcl: readonly AclEntry[];
  readonly parentAcl: readonly AclEntry[];
}

type Owner = 'none' | 'current' | 'stale' | 'foreign';

export class Registrations {
  readonly #entries = new Map<string, Registration>();
  #suspended = false;

  constructor(
    private readonly session: Session,
    private readonly watches: Watches,
    private readonly options: RegistrationOptions,
    private readonly log: Log,
  ) {}

  list(): { path: string; present: boolean }[] {
    return [...this.#entries.values()].map(({ path, present }) => ({ path, present }));
  }

  /**
   * Creates the node; rejects NODE_EXISTS when another live session holds the address. A node left by one of this
   * process's earlier sessions is waited out (the server deletes it within that session's timeout).
   */
  async register(request: RegisterRequest): Promise<void> {
    if (this.#entries.has(request.path)) {
      throw zkError('NODE_EXISTS', `${request.path} is already registered by this client`, {
        path: request.path,
      });
    }
    const entry: Registration = {
      path: request.path,
      data: Buffer.from(request.data),
      generation: 0,
      present: false,
    };
    this.#entries.set(entry.path, entry);
    try {
      if (!this.#suspended) await this.#place(entry, 'register');
      this.log.info({ path: entry.path }, 'server registered');
    } catch (error) {
      this.#entries.delete(entry.path);
      throw error;
    }
  }

  async unregister(path: string): Promise<void> {
    const entry = this.#entries.get(path);
    if (!entry) throw zkError('NO_NODE', `${path} is not registered by this client`, { path });
    entry.generation++; // ends any placement in progress
    // Forgotten only once the node is gone: a failed removal leaves it registered, and the caller may retry.
    await this.#removeNode(entry);
    this.#entries.delete(path);
    this.log.info({ path }, 'server unregistered');
  }

  async discard(path: string): Promise<void> {
    if (this.#entries.has(path)) return;
    const client = await this.session.ready();
    if ((await this.#owner(client, path)).owner !== 'current') return;
    await remove(client, path).catch(() => {});
    this.watches.childRemoved(path);
    this.log.info({ path }, 'discarded a registration whose caller was told it failed');
  }

  /** Takes over registrations made through a worker that died; they are placed as after a new session. */
  adopt(requests: readonly RegisterRequest[]): void {
    for (const request of requests) {
      if (this.#entries.has(request.path)) continue;
      const data = Buffer.from(request.data);
      this.#entries.set(request.path, { path: request.path, data, generation: 0, present: false });
    }
    this.restoreAll();
  }

  /** New data for a registration; a node in place is replaced in one transaction, so it never blinks. */
  async update(request: RegisterRequest): Promise<void> {
    const entry = this.#entries.get(request.path);
    if (!entry)
      throw zkError('NO_NODE', `${request.path} is not registered by this client`, { path: request.path });
    entry.data = Buffer.from(request.data);
    if (!entry.present) return; // placed later with the new data
    await this.session.run(async (client) => {
      if ((await this.#owner(client, entry.path)).owner !== 'current') return;
      await replaceEphemeral(client, entry.path, entry.data, this.options.registrationAcl);
    });
    this.log.info({ path: entry.path }, 'registration data updated');
  }

  /** After a new session: every registration is put back, each on its own so one wait blocks no other. */
  restoreAll(): void {
    if (this.#suspended) return;
    for (const entry of this.#entries.values()) {
      entry.present = false;
      void this.#place(entry, 'restore').then(
        () => this.log.info({ path: entry.path, sessionId: this.session.sessionId }, 'registration restored'),
        (error: unknown) => this.#placeFailed(entry, error),
      );
    }
  }

  /** The main thread is wedged: it should not receive traffic, so its addresses leave the service. */
  async suspend(): Promise<void> {
    this.#suspended = true;
    await Promise.all([...this.#entries.values()].map((entry) => this.#removeNode(entry)));
  }

  resume(): void {
    this.#suspended = false;
    this.restoreAll();
  }

  async #place(entry: Registration, why: 'register' | 'restore'): Promise<void> {
    const generation = ++entry.generation;
    for (let attempt = 0; ; attempt++) {
      if (entry.generation !== generation || this.#suspended) return;
      const client = await this.session.ready();
      try {
        await this.#createWithParents(client, entry);
        if (entry.generation !== generation) {
          // Unregistered (or replaced) while the create was in flight: the node must not outlive the request.
          await remove(client, entry.path).catch(() => {});
          return;
        }
        entry.present = true;
        this.watches.childAdded(entry.path);
        return;
      } catch (error) {
        const code = (error as ZkError).code;
        if (code === 'NODE_EXISTS') {
          if (await this.#settleExisting(client, entry, why)) return;
        } else if (!isLost(error)) {
          throw error;
        }
      }
      await delay(Math.min(1000, 50 * 2 ** attempt));
    }
  }

  /** true when the node is ours now; false to try creating again (after waiting for a stale node to go). */
  async #settleExisting(client: Client, entry: Registration, why: 'register' | 'restore'): Promise<boolean> {
    const { owner, ownerId } = await this.#owner(client, entry.path);
    if (owner === 'current') {
      entry.present = true;
      this.log.debug({ path: entry.path }, 'registration already held by this session');
      return true;
    }
    if (owner === 'foreign') {
      // Never steal another session's node: it may be another live process at the same address.
      if (why === 'register') {
        throw zkError('NODE_EXISTS', `${entry.path} is registered by another session (${ownerId})`, {
          path: entry.path,
        });
      }
      this.log.warn(
        { path: entry.path, owner: ownerId },
        'address held by another session; waiting for it to go',
      );
    } else if (owner === 'stale') {
      this.log.info({ path: entry.path, owner: ownerId }, 'waiting for our previous session node to expire');
    }
    if (owner !== 'none') await this.#deletion(client, entry.path);
    return false;
  }

  async #owner(client: Client, path: string): Promise<{ owner: Owner; ownerId?: string }> {
    const stat = await exists(client, path);
    if (stat === null) return { owner: 'none' };
    // ephemeralOwner tells our own stale node (an earlier session of this process) from another session's.
    const ownerId = sessionIdHex(stat.ephemeralOwner);
    if (ownerId === this.session.sessionId) return { owner: 'current', ownerId };
    if (this.session.ownSessions.includes(ownerId)) return { owner: 'stale', ownerId };
    return { owner: 'foreign', ownerId };
  }

  /** Resolves when the node is deleted (an exists watch), or soon after a connection loss, to look again. */
  #deletion(client: Client, path: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const watcher: Watcher = () => resolve();
      exists(client, path, watcher).then(
        (stat) => stat === null && resolve(),
        () => resolve(),
      );
    });
  }

  async #createWithParents(client: Client, entry: Registration): Promise<void> {
    try {
      await create(client, entry.path, entry.data, this.options.registrationAcl, true);
    } catch (error) {
      if ((error as ZkError).code !== 'NO_NODE') throw error;
      await this.#mkdirs(client, parentOf(entry.path));
      await create(client, entry.path, entry.data, this.options.registrationAcl, true);
    }
  }

  async #mkdirs(client: Client, path: string): Promise<void> {
    if (path === '/') return;
    try {
      await create(client, path, Buffer.alloc(0), this.options.parentAcl, false);
    } catch (error) {
      const code = (error as ZkError).code;
      if (code === 'NODE_EXISTS') return;
      if (code !== 'NO_NODE') throw error;
      await this.#mkdirs(client, parentOf(path));
      await this.#mkdirs(client, path);
    }
  }

  async #removeNode(entry: Registration): Promise<void> {
    if (!entry.present) return;
    // Delete only what this session owns, and ask the server even for a node this session created: after an expiry,
    // or once someone deleted ours (a parent's ACL may let anyone), another process may hold the address.
    await this.session
      .run(async (client) => {
        if ((await this.#owner(client, entry.path)).owner === 'current') await remove(client, entry.path);
      })
      .catch((error: ZkError) => {
        if (error.code !== 'NO_NODE') throw error;
      });
    entry.present = false;
    this.watches.childRemoved(entry.path);
  }

  #placeFailed(entry: Registration, error: unknown): void {
    if ((error as ZkError).code === 'CLOSED') return;
    this.log.error({ path: entry.path, ...errorFields(error) }, 'could not restore registration');
  }
}
