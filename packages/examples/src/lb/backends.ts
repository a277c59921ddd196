import type { Instance, Provider, Services } from '@zkit/client';

export interface BackendStats {
  readonly address: string;
  /** Requests answered by this backend. */
  readonly routed: number;
  /** Connection attempts it refused (each was retried on another backend). */
  readonly refused: number;
}

/**
 * The backends of the proxy: a round-robin provider over the live instances of a servers node. The provider reads
 * the view at each pick, so a server that registers gets traffic on the next request and one that goes gets none.
 *
 * A server that refused a connection is down for `restMs` (nginx's max_fails=1, fail_timeout): a killed server
 * stays listed until its session expires, and without it every request would knock on its door first. That is the
 * provider's down-instance rule (Curator's DownInstancePolicy) with a threshold of one error.
 */
export class Backends {
  readonly #provider: Provider;
  #retried = 0;
  readonly #stats = new Map<string, { routed: number; refused: number }>();

  constructor(
    private readonly servers: Services,
    restMs = 1000,
  ) {
    this.#provider = servers.provider({ strategy: 'round-robin', downAfterErrors: 1, downFor: restMs });
    // Forget servers that went, so a long-lived balancer over short-lived servers does not grow.
    servers.watch((_view, change) => {
      for (const instance of change.removed) this.#stats.delete(instance.id);
    });
  }

  get path(): string {
    return this.servers.path;
  }

  /**
   * The next backend for a request that already tried `tried` (instance ids): the provider's next one that is up
   * and not tried yet, or undefined when none is left. Requests in flight share the rotation, so another request's
   * turn may hand this one a backend it tried: each up backend comes round once within `size` picks.
   */
  next(tried: ReadonlySet<string>): Instance | undefined {
    for (let picks = 0; picks < this.servers.size; picks++) {
      const instance = this.#provider.pick();
      if (instance === undefined) return undefined;
      if (!tried.has(instance.id)) return instance;
    }
    return undefined;
  }

  routed(instance: Instance): void {
    this.#entry(instance.id).routed++;
  }

  /** The backend refused the connection: counted, and down for `restMs`. */
  refused(instance: Instance): void {
    this.#entry(instance.id).refused++;
    this.#retried++;
    this.#provider.noteError(instance);
  }

  /** Refused connections so far, all backends together (those of backends that went too). */
  get retried(): number {
    return this.#retried;
  }

  /** The live backends with their counters. */
  stats(): BackendStats[] {
    return this.servers.toArray().map(({ id }) => ({ address: id, ...this.#entry(id) }));
  }

  #entry(id: string): { routed: number; refused: number } {
    let entry = this.#stats.get(id);
    if (entry === undefined) {
      entry = { routed: 0, refused: 0 };
      this.#stats.set(id, entry);
    }
    return entry;
  }
}
