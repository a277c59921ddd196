import { field, httpJson } from '../shared/http-client.js';

export interface TrafficStats {
  ok: number;
  failed: number;
  /** Answers per backend address (the balancer's x-backend header). */
  readonly perBackend: Map<string, number>;
  slowestMs: number;
  /** The first few failures, to print. */
  readonly failures: string[];
}

function emptyStats(): TrafficStats {
  return { ok: 0, failed: 0, perBackend: new Map(), slowestMs: 0, failures: [] };
}

export interface TrafficOptions {
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Pause of each sender between two requests. */
  readonly pauseMs: number;
  /** Hard bound on the requests sent, whatever happens. */
  readonly maxRequests: number;
  readonly timeoutMs: number;
}

/**
 * Steady, bounded traffic through the balancer. Results are counted into every open window, so each scene of the
 * demo reads what happened during it.
 */
export class Traffic {
  readonly total = emptyStats();
  readonly #windows = new Set<TrafficStats>();
  #sent = 0;
  #running = false;
  #senders: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    private readonly options: TrafficOptions,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#senders = Array.from({ length: this.options.concurrency }, () => this.#sender());
  }

  /** Stops sending and resolves once the requests in flight are answered. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#senders);
  }

  /** Starts counting a window; `close()` it to read what happened since. */
  window(): { readonly stats: TrafficStats; close(): TrafficStats } {
    const stats = emptyStats();
    this.#windows.add(stats);
    const close = () => {
      this.#windows.delete(stats);
      return stats;
    };
    return { stats, close };
  }

  /** Sends `count` requests one after another (not while steady traffic runs, to show the plain rotation). */
  async burst(count: number): Promise<TrafficStats> {
    const window = this.window();
    for (let i = 0; i < count && this.#sent < this.options.maxRequests; i++) await this.#send();
    return window.close();
  }

  async #sender(): Promise<void> {
    while (this.#running && this.#sent < this.options.maxRequests) {
      await this.#send();
      await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
    }
  }

  async #send(): Promise<void> {
    this.#sent++;
    const started = Date.now();
    let backend: string | undefined;
    let failure: string | undefined;
    try {
      const { status, headers, body } = await httpJson(this.url, { timeoutMs: this.options.timeoutMs });
      backend = typeof headers['x-backend'] === 'string' ? headers['x-backend'] : undefined;
      if (status !== 200) failure = `HTTP ${status} ${field(body, 'error') ?? ''}`.trim();
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const elapsed = Date.now() - started;
    for (const stats of [this.total, ...this.#windows]) {
      stats.slowestMs = Math.max(stats.slowestMs, elapsed);
      if (failure !== undefined) {
        stats.failed++;
        if (stats.failures.length < 3) stats.failures.push(failure);
      } else {
        stats.ok++;
        if (backend !== undefined) stats.perBackend.set(backend, (stats.perBackend.get(backend) ?? 0) + 1);
      }
    }
  }
}
