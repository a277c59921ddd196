/**
 * Watches a set of registrations from an independent session and remembers every one it ever saw missing.
 *
 *   stalled child ── its session ──▶ ZooKeeper ◀── this session (the parent's admin client)
 *                                       └── child watch fires on any delete/create ──▶ re-read, note the missing
 *
 * A watch can miss a delete followed quickly by a re-create (one firing, one re-read), so `finish()` also checks
 * each node's ephemeralOwner: a node re-created by a new session is a registration that was lost and restored.
 */
import type { DirectClient } from './direct.js';
import { sleep } from './pool.js';

export interface Observed {
  /** Registrations seen missing at some point, or owned by another session at the end. */
  readonly lost: number;
  /** Of those, the ones back at the end under a new session (zkit restores after an expiry). */
  readonly restored: number;
}

export class RegistrationObserver {
  readonly #missing = new Set<string>();
  #open = true;

  private constructor(
    private readonly admin: DirectClient,
    private readonly parent: string,
    private readonly names: readonly string[],
    private readonly sessionId: string,
  ) {}

  /** Resolves once every registration is seen in place, owned by `sessionId` (bounded). */
  static async start(
    admin: DirectClient,
    parent: string,
    names: readonly string[],
    sessionId: string,
  ): Promise<RegistrationObserver> {
    const observer = new RegistrationObserver(admin, parent, names, sessionId);
    for (let attempt = 0; ; attempt++) {
      const owners = await observer.#owners();
      if (owners.every((owner) => owner === sessionId)) break;
      if (attempt >= 100) throw new Error(`registrations under ${parent} never all appeared`);
      await sleep(50);
    }
    await observer.#read();
    return observer;
  }

  async finish(): Promise<Observed> {
    this.#open = false;
    const owners = await this.#owners();
    let restored = 0;
    this.names.forEach((name, i) => {
      const owner = owners[i];
      if (owner !== this.sessionId) this.#missing.add(name);
      if (owner !== undefined && owner !== this.sessionId) restored++;
    });
    return { lost: this.#missing.size, restored };
  }

  readonly #watcher = (): void => {
    if (this.#open) void this.#read();
  };

  async #read(): Promise<void> {
    try {
      const present = new Set(await this.admin.getChildren(this.parent, this.#watcher));
      for (const name of this.names) if (!present.has(name)) this.#missing.add(name);
    } catch {
      // The parent session itself lost its connection: finish() still checks every node.
    }
  }

  /** Each registration's ephemeralOwner (hex), or undefined when the node is absent. */
  #owners(): Promise<(string | undefined)[]> {
    return Promise.all(
      this.names.map(async (name) => {
        const stat = await this.admin.exists(`${this.parent}/${name}`);
        return stat ? stat.ephemeralOwner.toString('hex') : undefined;
      }),
    );
  }
}
