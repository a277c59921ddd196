/**
 * Figure 4, compare-and-set updates lost, checked three ways:
 *
 * - continuously: the observer reads /soak/config every CONFIG_POLL_MS; no key may ever be lower than the highest
 *   value the observer has seen it hold. Each process writes only its own key, with values that only grow (a
 *   failed value is retried as is), so a key going down means some update() merged onto a stale version and its
 *   compare-and-set let it through: the overwritten writes were lost. Counted once per drop, by its size.
 * - at every audit, while the writers are paused, and at the end: each process's key against what the process was
 *   told (see counter.ts for the rule), read after a sync (Truth.sync: the observer's server may lag behind the
 *   one that acknowledged a write). A mismatch is counted once, until it changes.
 *
 * The observer's reads are monotonic (node-zookeeper-client sends the last zxid it saw when it reconnects, and a
 * server that is behind refuses it), so a drop it sees is ZooKeeper's, not a lagging server's.
 */
import { MONITOR_POLL_MS } from './config.js';
import type { Figures } from './figures.js';
import type { Fleet } from './fleet.js';
import { CONFIG } from './paths.js';
import { Sleeper } from './sleep.js';
import type { Truth } from './truth.js';

/** Between two reads of /soak/config: a drop lasts until its owner's next write, ~WRITE_INTERVAL_MS. */
const CONFIG_POLL_MS = 20;

export class Counters {
  reads = 0;
  readonly #highest = new Map<string, number>();
  /** The mismatch last counted per key, so one that persists (a dead process's key) is counted once. */
  readonly #reported = new Map<string, string>();
  #session: string | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  readonly #sleeper = new Sleeper();

  constructor(
    private readonly truth: Truth,
    private readonly fleet: Fleet,
    private readonly figures: Figures,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#sleeper.cancel();
    await this.#loop;
  }

  /**
   * Every process's key against what it was told. Call it only while no process writes (paused, closed or dead):
   * then the value of each key is final for now. The read follows a sync, so it sees every acknowledged write.
   */
  async checkAcknowledged(): Promise<void> {
    await this.truth.sync();
    const config = await this.truth.data(CONFIG);
    this.observe(config);
    for (const process of this.fleet.all) {
      const { key } = process.id;
      const raw = config[key];
      const value = typeof raw === 'number' ? raw : 0;
      const { lost, unexpected } = process.counter.check(value);
      const signature = `${value}/${process.counter.acked}/${process.counter.maybe}`;
      if ((lost === 0 && unexpected === 0) || this.#reported.get(key) === signature) continue;
      this.#reported.set(key, signature);
      const told = `${process.counter.acked} acknowledged, ${process.counter.maybe ?? 'no'} value of unknown outcome`;
      if (lost > 0)
        this.figures.count(
          'lostUpdates',
          `${key} of ${process.name}: ZooKeeper holds ${value}, ${told}`,
          lost,
        );
      if (unexpected > 0)
        this.figures.count(
          'lostUpdates',
          `${key} of ${process.name}: ZooKeeper holds ${value}, more than ${told} (a write reported failed was applied)`,
          unexpected,
        );
    }
  }

  /** One read of the config node: any key lower than before is a drop. */
  observe(config: Readonly<Record<string, unknown>>): void {
    this.reads++;
    // A new observer session starts with no zxid and may read from a server that is behind: start afresh.
    if (this.truth.sessionId !== this.#session) {
      this.#session = this.truth.sessionId;
      this.#highest.clear();
    }
    for (const [key, raw] of Object.entries(config)) {
      if (typeof raw !== 'number') continue;
      const highest = this.#highest.get(key) ?? 0;
      if (raw < highest) {
        this.figures.count(
          'lostUpdates',
          `${key} went down from ${highest} to ${raw} in ZooKeeper: an update() merged onto a stale version`,
          highest - raw,
        );
      }
      // A drop is counted once: from now on the lower value is the reference, until the owner writes again.
      this.#highest.set(key, raw);
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        this.observe(await this.truth.data(CONFIG));
        await this.#sleeper.sleep(CONFIG_POLL_MS);
      } catch {
        // A read lost to a fault: try again a little later.
        await this.#sleeper.sleep(MONITOR_POLL_MS);
      }
    }
  }
}
