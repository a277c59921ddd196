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
 */
export class Backends {
  #next = 0;
  #retried = 0;
  readonly #stats = new Map<string, { routed: number; refused: number }>();

  constructor(private readonly servers: Children) {}

  get path(): string {
    return this.servers.path;
  }

  /** Every live backend once, starting with the next in turn: the first to try, then where to retry. */
  rotation(): string[] {
    const list = this.servers.toArray();
    if (list.length === 0) return [];
    const start = this.#next++ % list.length;
    return [...list.slice(start), ...list.slice(0, start)];
  }

  routed(address: string): void {
    this.#entry(address).routed++;
  }

  refused(address: string): void {
    this.#entry(address).refused++;
    this.#retried++;
  }

  /** Refused connections so far, all backends together (those of backends that went too). */
  get retried(): number {
    return this.#retried;
  }

  /** The live backends with their counters (counters of backends that went are dropped). */
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
