import type { Children } from '@zkit/client';

export interface BackendStats {
  readonly address: string;
  /** Requests answered by this backend. */
  readonly routed: number;
  /** Connection attempts it refused (each was retried on another backend). */
  readonly refused: number;
}

/**
 * Round robin over the live children of a servers node. The list is read from zkit's view on each pick, so a
 * server that registers gets traffic on the next request and one that goes gets none.
 *
 * A server that refused a connection is tried last for `restMs` (nginx's fail_timeout): a killed server stays
 * listed until its session expires, and without a rest every request would knock on its door first.
 */
export class Backends {
  #next = 0;
  #retried = 0;
  readonly #stats = new Map<string, { routed: number; refused: number }>();
  readonly #restingUntil = new Map<string, number>();

  constructor(
    private readonly servers: Children,
    private readonly restMs = 1000,
  ) {
    // Forget servers that went, so a long-lived balancer over short-lived servers does not grow.
    servers.watch((live) => {
      for (const map of [this.#stats, this.#restingUntil]) {
        for (const address of map.keys()) if (!live.has(address)) map.delete(address);
      }
    });
  }

  get path(): string {
    return this.servers.path;
  }

  /** Every live backend once: the healthy ones in turn, then resting ones, as a last resort. */
  rotation(): string[] {
    const now = Date.now();
    const list = this.servers.toArray();
    const resting = list.filter((address) => (this.#restingUntil.get(address) ?? 0) > now);
    const healthy = list.filter((address) => !resting.includes(address));
    // Turn over the healthy ones only: a resting server's turns are shared out evenly, not all given to its successor.
    const start = healthy.length === 0 ? 0 : this.#next++ % healthy.length;
    return [...healthy.slice(start), ...healthy.slice(0, start), ...resting];
  }

  routed(address: string): void {
    this.#entry(address).routed++;
  }

  refused(address: string): void {
    this.#entry(address).refused++;
    this.#retried++;
    this.#restingUntil.set(address, Date.now() + this.restMs);
  }

  /** Refused connections so far, all backends together (those of backends that went too). */
  get retried(): number {
    return this.#retried;
  }

  /** The live backends with their counters. */
  stats(): BackendStats[] {
    return this.servers.toArray().map((address) => ({ address, ...this.#entry(address) }));
  }

  #entry(address: string): { routed: number; refused: number } {
    let entry = this.#stats.get(address);
    if (entry === undefined) {
      entry = { routed: 0, refused: 0 };
      this.#stats.set(address, entry);
    }
    return entry;
  }
}
