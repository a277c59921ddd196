/**
 * The continuous checks, every MONITOR_POLL_MS through the observer, whatever else the soak is doing:
 *
 * - figure 2: each registration node of every healed client (alive, connected, no fault on) that healed at least
 *   REGISTRATION_GRACE_MS ago exists and is owned by the client's current session. One episode of a node missing
 *   (or held by another session) counts once, however many polls see it, and only if the client still reports no
 *   fault of its own REGISTRATION_CONFIRM_MS later and a read after a sync (Truth.sync) still finds it so.
 * - figure 3: each registration node of a dead process (SIGKILLed, crashed or closed) is gone once its session
 *   could not have lasted any longer: SESSION_TIMEOUT_MS + EXPIRY_SLACK_MS after the later of its death and the
 *   leader's session clock starting (a new leader gives every session its full timeout again). Counted once per
 *   node, once a read after a sync still finds it; checks pause while a leader is down, as no session expires then.
 */
import type { ClientProcess } from './client-process.js';
import {
  EXPIRY_SLACK_MS,
  MONITOR_POLL_MS,
  REGISTRATION_CONFIRM_MS,
  REGISTRATION_GRACE_MS,
  SESSION_TIMEOUT_MS,
} from './config.js';
import type { Ensemble } from './ensemble.js';
import type { Figures } from './figures.js';
import type { Fleet } from './fleet.js';
import { registrationPaths } from './paths.js';
import { delay, Sleeper } from './sleep.js';
import type { Truth } from './truth.js';

export class Monitor {
  polls = 0;
  readFailures = 0;
  /** Registration paths of live clients seen missing, until seen back. */
  readonly #missing = new Set<string>();
  /** Nodes of dead processes already counted, or seen gone after their deadline (no need to look again). */
  readonly #settled = new Set<string>();
  readonly #confirming = new Set<Promise<void>>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  readonly #sleeper = new Sleeper();

  constructor(
    private readonly truth: Truth,
    private readonly fleet: Fleet,
    private readonly ensemble: Ensemble,
    private readonly figures: Figures,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#sleeper.cancel();
    await this.#loop;
    await Promise.all(this.#confirming);
  }

  /** When the last dead process's nodes are due to be gone (the soak waits for it before it ends). */
  lastDeadline(): number | undefined {
    const deadlines = this.fleet.all
      .filter((p) => !p.alive)
      .map((p) => this.#deadline(p))
      .filter((d): d is number => d !== undefined);
    return deadlines.length === 0 ? undefined : Math.max(...deadlines);
  }

  /** True once every dead process's nodes have been checked after their deadline. */
  settled(): boolean {
    return this.fleet.all
      .filter((p) => !p.alive)
      .every((p) => registrationPaths(p.id).every((path) => this.#settled.has(path)));
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.poll();
      } catch {
        // A read that failed during a fault: the next poll tries again.
        this.readFailures++;
      }
      await this.#sleeper.sleep(MONITOR_POLL_MS);
    }
  }

  async poll(): Promise<void> {
    this.polls++;
    const now = Date.now();
    await Promise.all([
      ...this.fleet.live().map((process) => this.#checkLive(process, now)),
      ...this.fleet.all.filter((p) => !p.alive).map((process) => this.#checkDead(process, now)),
    ]);
  }

  async #checkLive(process: ClientProcess, now: number): Promise<void> {
    const healAt = process.healAt;
    if (healAt === undefined || now - healAt < REGISTRATION_GRACE_MS) return;
    const sessionId = process.sessionId;
    const stats = await Promise.all(registrationPaths(process.id).map((path) => this.truth.exists(path)));
    // Only what was true all along counts: a fault that began while we read is not the client's failing.
    if (process.healAt !== healAt || process.sessionId !== sessionId) return;
    registrationPaths(process.id).forEach((path, i) => {
      const stat = stats[i];
      const problem =
        stat === null || stat === undefined
          ? 'missing'
          : stat.ephemeralOwner !== sessionId
            ? `owned by session ${stat.ephemeralOwner}, not the client's ${sessionId}`
            : undefined;
      if (problem === undefined) {
        this.#missing.delete(path);
        return;
      }
      if (this.#missing.has(path)) return;
      this.#missing.add(path);
      void this.#confirm(
        process,
        healAt,
        sessionId,
        path,
        `${problem}, ${Math.round(now - healAt)} ms after it healed`,
      );
    });
  }

  /**
   * Counts a missing registration unless the client reports a fault of its own within REGISTRATION_CONFIRM_MS, or a
   * read after a sync finds it in place after all (the observer's server may lag behind the client's).
   */
  async #confirm(
    process: ClientProcess,
    healAt: number,
    sessionId: string | undefined,
    path: string,
    problem: string,
  ): Promise<void> {
    await delay(REGISTRATION_CONFIRM_MS);
    let held = false;
    try {
      await this.truth.sync();
      held = (await this.truth.exists(path))?.ephemeralOwner === sessionId;
    } catch {
      // Unreadable now: what the poll saw stands.
    }
    if (held || process.healAt !== healAt || process.sessionId !== sessionId) {
      this.#missing.delete(path);
      return;
    }
    this.figures.count(
      'missingRegistrations',
      `${path} of ${process.name} ${problem} (state ${process.state})`,
    );
  }

  async #checkDead(process: ClientProcess, now: number): Promise<void> {
    const deadline = this.#deadline(process);
    if (deadline === undefined || now < deadline) return;
    const paths = registrationPaths(process.id).filter((path) => !this.#settled.has(path));
    if (paths.length === 0) return;
    let stats = await Promise.all(paths.map((path) => this.truth.exists(path)));
    // Still there: read again after a sync, as the observer's server may not have applied the expiry yet.
    if (stats.some((stat) => stat !== null)) {
      await this.truth.sync();
      stats = await Promise.all(paths.map((path) => this.truth.exists(path)));
    }
    // A leader that went down while we read restarts the clock: not a leftover yet.
    if (this.#deadline(process) !== deadline) return;
    paths.forEach((path, i) => {
      const stat = stats[i];
      this.#settled.add(path);
      if (stat === null || stat === undefined) return;
      const late = Math.round(Date.now() - deadline + SESSION_TIMEOUT_MS + EXPIRY_SLACK_MS);
      this.figures.count(
        'leftoverNodes',
        `${path} of ${process.name}, ${process.death?.how} at ${this.#since(process)}, still there ${late} ms ` +
          `after its death or the leader's session clock restart (owner ${stat.ephemeralOwner})`,
      );
    });
  }

  #deadline(process: ClientProcess): number | undefined {
    const clock = this.ensemble.sessionClockSince;
    if (process.death === undefined || clock === undefined) return undefined;
    return Math.max(process.death.at, clock) + SESSION_TIMEOUT_MS + EXPIRY_SLACK_MS;
  }

  #since(process: ClientProcess): string {
    return process.death ? new Date(process.death.at).toISOString().slice(11, 23) : '?';
  }
}
