import { type Failure, type RegisterRequest, type ZkError, zkError } from '@zkit/protocol';
import { throwIfAborted, untilAborted } from '../calls.js';
import { errorFields, type Log } from '../log-forward.js';
import { toZkError } from '../nzc/exceptions.js';
import { replaceEphemeral } from '../session/ops.js';
import type { Session } from '../session/session.js';
import type { Watches } from '../watches/watches.js';
import { type PlacementContext, schedulePlacement } from './placement.js';
import { newEntry, type RegistrationEntry, serially } from './registration-entry.js';
import { RegistrationNodes, type RegistrationOptions } from './registration-nodes.js';

export type { RegistrationOptions } from './registration-nodes.js';

/**
 * The ephemeral nodes this process registered. ZooKeeper deletes them when their session ends, so after a new
 * session (or a stall, which removes them on purpose) this registry puts them back with their latest data.
 *
 * Two rules keep races with restores harmless:
 * - One entry's node operations run one at a time (`tail`): a removal starts only once the placement before it
 *   has settled, so it never misses a node that placement was creating.
 * - A placement only ever creates, and writes the entry's latest data; whoever stops wanting the node (unregister,
 *   a stall, an abort) cancels the placement and then removes the node, asking the server who owns it.
 *
 *   register ──▶ place ──(session ends)──▶ restoreAll ──▶ place ...
 *   unregister / suspend / abort ──▶ cancel placement ──▶ (after it settles) remove if ours
 */
export class EphemeralRegistry {
  readonly #entries = new Map<string, RegistrationEntry>();
  /** Aborted registrations whose node may still be being removed: registering the path again waits for it. */
  readonly #withdrawals = new Map<string, Promise<void>>();
  readonly #nodes: RegistrationNodes;
  readonly #context: PlacementContext;
  #suspended = false;

  constructor(
    private readonly session: Session,
    private readonly watches: Watches,
    private readonly options: RegistrationOptions,
    private readonly log: Log,
    private readonly report: (failure: Failure) => void = () => {},
  ) {
    this.#nodes = new RegistrationNodes(session, options);
    this.#context = {
      session,
      nodes: this.#nodes,
      log,
      wanted: (entry) => this.#wanted(entry),
      placed: (entry) => this.#placed(entry),
      report: (entry, error) => this.#report(entry, error),
    };
  }

  list(): { path: string; present: boolean }[] {
    return [...this.#entries.values()].map((entry) => ({ path: entry.path, present: this.#present(entry) }));
  }

  /**
   * Creates the node; rejects NODE_EXISTS when another live session holds the address. A node left by one of this
   * process's earlier sessions is waited out (the server deletes it within that session's timeout). When `signal`
   * fires first, rejects ABORTED at once: the placement stops, and a node it created is removed.
   */
  async register(request: RegisterRequest, signal?: AbortSignal): Promise<void> {
    await this.#withdrawals.get(request.path);
    throwIfAborted(signal);
    const entry = this.#claim(request);
    // Withdrawn in the abort's own dispatch: a call that follows the abort (diagnostics) no longer sees it.
    const withdraw = () => this.#withdraw(entry);
    signal?.addEventListener('abort', withdraw, { once: true });
    try {
      if (!this.#suspended) await untilAborted(this.#placing(entry, signal), signal);
      throwIfAborted(signal);
    } catch (error) {
      withdraw();
      throw error;
    } finally {
      signal?.removeEventListener('abort', withdraw);
    }
    this.log.info({ path: entry.path }, 'server registered');
  }

  /** A new entry for `request`, or the adopted one its call was cut off from; NODE_EXISTS for any other. */
  #claim(request: RegisterRequest): RegistrationEntry {
    const known = this.#entries.get(request.path);
    if (known?.adopted && !known.leaving) {
      known.adopted = false;
      known.data = Buffer.from(request.data);
      return known;
    }
    if (known) {
      throw zkError('NODE_EXISTS', `${request.path} is already registered by this client`, {
        path: request.path,
      });
    }
    const entry = newEntry(request);
    this.#entries.set(entry.path, entry);
    return entry;
  }

  /** The placement of an entry: none if in place, the one in flight (an adopted entry's), or a new one. */
  #placing(entry: RegistrationEntry, signal: AbortSignal | undefined): Promise<void> {
    if (this.#present(entry)) return Promise.resolve();
    return entry.placing?.done ?? schedulePlacement(this.#context, entry, { signal });
  }

  async unregister(path: string, signal?: AbortSignal): Promise<void> {
    const entry = this.#entries.get(path);
    if (!entry) throw zkError('NO_NODE', `${path} is not registered by this client`, { path });
    entry.leaving = true;
    try {
      await this.#removeNode(entry, signal);
    } catch (error) {
      // Still registered: the caller may retry, and meanwhile the node belongs in place.
      entry.leaving = false;
      this.#restore(entry);
      throw error;
    }
    if (this.#entries.get(path) === entry) this.#entries.delete(path);
    this.log.info({ path }, 'server unregistered');
  }

  async discard(path: string): Promise<void> {
    if (this.#entries.has(path)) return;
    const client = await this.session.ready();
    // No entry says where its node went: a link on the way is followed again.
    const node = await this.#nodes.locate(client, path).catch(() => path);
    await this.#nodes.removeIfOurs(client, node).catch(() => {});
    this.watches.childRemoved(node);
    this.log.info({ path }, 'discarded a registration whose caller was told it failed');
  }

  /** Takes over registrations made through a worker that died; they are placed as after a new session. */
  adopt(requests: readonly RegisterRequest[]): void {
    for (const request of requests) {
      if (this.#entries.has(request.path)) continue;
      const entry = newEntry(request);
      entry.adopted = true;
      this.#entries.set(request.path, entry);
    }
    this.restoreAll();
  }

  /**
   * New data for a registration; a node in place is replaced in one transaction, so it never blinks. A placement
   * in flight (or a later one) writes the new data itself. ABORTED before the write is sent leaves the old data.
   */
  async update(request: RegisterRequest, signal?: AbortSignal): Promise<void> {
    const entry = this.#entries.get(request.path);
    if (!entry)
      throw zkError('NO_NODE', `${request.path} is not registered by this client`, { path: request.path });
    const previous = entry.data;
    const data = Buffer.from(request.data);
    entry.data = data;
    if (entry.placing || this.#suspended) return;
    try {
      await serially(entry, () =>
        this.session.run(
          async (client) => {
            if ((await this.#nodes.owner(client, entry.node)).owner !== 'current') return;
            await replaceEphemeral(client, entry.node, entry.data, this.options.registrationAcl);
          },
          undefined,
          signal,
        ),
      );
    } catch (error) {
      if ((error as ZkError).code === 'ABORTED' && entry.data === data) entry.data = previous;
      throw error;
    }
    this.log.info({ path: entry.path }, 'registration data updated');
  }

  /** After a new session, or a stall: every registration not in place is put back, each on its own. */
  restoreAll(): void {
    if (this.#suspended) return;
    for (const entry of this.#entries.values()) this.#restore(entry);
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

  #present(entry: RegistrationEntry): boolean {
    return entry.placedIn !== undefined && entry.placedIn === this.session.sessionId;
  }

  #wanted(entry: RegistrationEntry): boolean {
    return this.#entries.get(entry.path) === entry && !entry.leaving && !this.#suspended;
  }

  #restore(entry: RegistrationEntry): void {
    if (!this.#wanted(entry) || entry.placing || this.#present(entry)) return;
    schedulePlacement(this.#context, entry).then(
      () => {
        if (this.#present(entry))
          this.log.info({ path: entry.path, sessionId: this.session.sessionId }, 'registration restored');
      },
      (error: unknown) => this.#placeFailed(entry, error),
    );
  }

  #placed(entry: RegistrationEntry): void {
    entry.placedIn = this.session.sessionId;
    entry.reported = undefined;
    this.watches.childAdded(entry.node);
  }

  /** Cancels the placement in flight, then deletes the node if this session owns it. */
  #removeNode(entry: RegistrationEntry, signal?: AbortSignal): Promise<void> {
    entry.placing?.controller.abort();
    return serially(entry, async () => {
      if (!entry.mayExist && entry.placedIn === undefined) return;
      // Ask the server even for a node this session created: after an expiry, or once someone deleted ours (a
      // parent's ACL may let anyone), another process may hold the address.
      await this.session.run((client) => this.#nodes.removeIfOurs(client, entry.node), undefined, signal);
      entry.placedIn = undefined;
      entry.mayExist = false;
      this.watches.childRemoved(entry.node);
    });
  }

  /** An aborted or failed registration: forgotten now, its node (if a create went out) removed in the background. */
  #withdraw(entry: RegistrationEntry): void {
    if (entry.leaving) return;
    entry.leaving = true;
    if (this.#entries.get(entry.path) === entry) this.#entries.delete(entry.path);
    const removed = this.#removeNode(entry).catch((error: unknown) => {
      if ((error as ZkError).code !== 'CLOSED')
        this.log.error(
          { path: entry.path, ...errorFields(error) },
          'could not remove an aborted registration',
        );
    });
    this.#withdrawals.set(entry.path, removed);
    void removed.then(() => {
      if (this.#withdrawals.get(entry.path) === removed) this.#withdrawals.delete(entry.path);
    });
  }

  #placeFailed(entry: RegistrationEntry, error: unknown): void {
    if ((error as ZkError).code === 'CLOSED') return;
    this.log.error({ path: entry.path, ...errorFields(error) }, 'could not restore registration');
    this.#report(entry, error);
  }

  /** Tells the application, once per cause, that a registration is not in place and why. */
  #report(entry: RegistrationEntry, error: unknown): void {
    const wire = toZkError(error, entry.path).toWire();
    if (entry.reported === wire.code) return;
    entry.reported = wire.code;
    this.report({ kind: 'registration', path: entry.path, error: wire });
  }
}
