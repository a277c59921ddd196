/**
 * One soak, start to end:
 *
 *   ensemble (3 servers) ◀── observer (truth, monitor) ── churner (plain writes)
 *        ▲
 *        └── client processes (zkit): register, views, update() counters
 *
 *   start ─▶ [ fault ─▶ heal ─▶ audit ─▶ plain writing ] x N, until --minutes is up
 *         ─▶ final audit ─▶ close every client (exit check) ─▶ counters check ─▶ dead nodes' deadlines ─▶ stop
 */
import { waitFor } from '@zkit/testing';
import { type AuditContext, type AuditResult, audit } from './audit.js';
import { Churner } from './churner.js';
import type { ClientProcess } from './client-process.js';
import { HEAL_TIMEOUT_MS, IDLE_BETWEEN_FAULTS_MS, PAUSE_TIMEOUT_MS } from './config.js';
import { Counters } from './counters.js';
import { Ensemble } from './ensemble.js';
import { FAULT_KINDS, FaultBag, type FaultContext, type FaultKind, inject } from './faults.js';
import { Figures } from './figures.js';
import { Fleet } from './fleet.js';
import { Monitor } from './monitor.js';
import { CONFIG, INITIAL_NODES } from './paths.js';
import { Prng } from './prng.js';
import { delay } from './sleep.js';
import { Truth } from './truth.js';

/** How long past the last deadline the monitor may take to look (its reads may wait out a slow server). */
const DEAD_CHECK_SLACK_MS = 30_000;

export interface SoakOptions {
  readonly minutes: number;
  readonly clients: number;
  readonly seed: number;
  /** zkit's log level in the clients (SOAK_LOG); their output then goes to stderr too. */
  readonly logLevel: string;
  readonly log: (line: string) => void;
}

export interface SoakResult {
  readonly seed: number;
  readonly minutes: number;
  readonly clients: number;
  readonly seconds: number;
  readonly figures: Figures;
  readonly faults: Record<FaultKind, number>;
  readonly writes: {
    readonly acknowledged: number;
    readonly attempts: number;
    readonly failures: Record<string, number>;
    readonly churn: number;
    readonly churnFailures: number;
  };
  readonly audits: number;
  readonly viewsCompared: number;
  readonly processes: number;
}

/** Ends on its own once its teardown runs; the caller's exit handler kills what a crash left behind. */
export interface SoakRun {
  readonly result: Promise<SoakResult>;
  /** SIGKILL every client process now (for an exit handler). */
  killNow(): void;
}

export function startSoak(options: SoakOptions): SoakRun {
  const soak = new Soak(options);
  return { result: soak.run(), killNow: () => soak.killNow() };
}

/** The parts of one soak, set up in order and torn down in reverse, whatever failed in between. */
class Soak {
  readonly #startedAt = Date.now();
  readonly #prng: Prng;
  readonly #figures: Figures;
  readonly #faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  readonly #audits: AuditResult[] = [];
  #ensemble: Ensemble | undefined;
  #fleet: Fleet | undefined;
  #truth: Truth | undefined;
  #churner: Churner | undefined;
  #monitor: Monitor | undefined;
  #counters: Counters | undefined;

  constructor(private readonly options: SoakOptions) {
    this.#prng = new Prng(options.seed);
    this.#figures = new Figures(this.#startedAt, (line) => this.#log(line));
  }

  async run(): Promise<SoakResult> {
    try {
      const parts = await this.#setUp();
      await this.#faultLoop(parts);
      await this.#windDown(parts);
    } finally {
      await this.#tearDown();
    }
    return this.#result();
  }

  killNow(): void {
    this.#fleet?.killNow();
  }

  async #setUp(): Promise<Parts> {
    const { clients, seed, logLevel } = this.options;
    this.#log(`seed ${seed}: starting a 3-node ensemble`);
    const ensemble = await Ensemble.start();
    this.#ensemble = ensemble;
    const fleet = new Fleet(
      clients,
      ensemble.connectionString,
      new Prng(this.#prng.fork()),
      this.#figures,
      () => ensemble.serving,
      {
        logLevel,
        verbose: logLevel !== 'silent',
      },
    );
    this.#fleet = fleet;
    ensemble.onChange(() => fleet.refreshHeal());
    const truth = await Truth.open(ensemble.connectionString);
    this.#truth = truth;
    for (const [path, json] of INITIAL_NODES) await truth.ensure(path, json);
    for (let slot = 0; slot < clients; slot++) await fleet.start(slot);
    this.#log(
      `${clients} clients ready: ${fleet
        .live()
        .map((c) => c.name)
        .join(', ')}`,
    );
    const churner = await Churner.open(ensemble.connectionString, new Prng(this.#prng.fork()));
    this.#churner = churner;
    churner.start();
    this.#monitor = new Monitor(truth, fleet, ensemble, this.#figures);
    this.#monitor.start();
    const counters = new Counters(truth, fleet, this.#figures);
    this.#counters = counters;
    counters.start();
    const audit: AuditContext = {
      truth,
      figures: this.#figures,
      pausables: [churner],
      whilePaused: () => counters.checkAcknowledged(),
      watchesOf: (path, sessionId) => ensemble.watchesOf(path, sessionId),
    };
    const faults: FaultContext = { fleet, ensemble, truth, prng: this.#prng, figures: this.#figures };
    return { fleet, truth, churner, counters, monitor: this.#monitor, audit, faults };
  }

  /** Fault, heal, audit, plain writing; again until --minutes is up. */
  async #faultLoop({ fleet, audit: auditContext, faults }: Parts): Promise<void> {
    const bag = new FaultBag(this.#prng);
    const faultsEndAt = this.#startedAt + this.options.minutes * 60_000;
    for (let n = 1; Date.now() < faultsEndAt; n++) {
      const kind = bag.next();
      const idleMs = Math.round(this.#prng.between(IDLE_BETWEEN_FAULTS_MS));
      const began = Date.now();
      const what = await inject(kind, faults);
      this.#faults[kind]++;
      const healMs = await healAll(fleet, this.#figures);
      const result = await audit(fleet.live(), auditContext);
      this.#audits.push(result);
      this.#log(
        `fault ${n} ${kind}: ${what}; healed ${healMs} ms after its end; audit: ${result.views} views, ` +
          `${result.stale} stale (${result.ms} ms); ${Math.round((Date.now() - began) / 100) / 10} s in all`,
      );
      // Plain writing: the writers run undisturbed for a while before the next fault.
      await delay(idleMs);
    }
  }

  /** The final audit, then close every client, then the checks that need everyone gone. */
  async #windDown({ fleet, churner, counters, monitor, audit: auditContext }: Parts): Promise<void> {
    this.#log('faults over: final audit');
    await healAll(fleet, this.#figures);
    this.#audits.push(await audit(fleet.live(), auditContext));
    await churner.pause();
    await closeAll(fleet, this.#figures, (line) => this.#log(line));
    await counters.checkAcknowledged();
    this.#log(`counters checked: ${fleet.all.length} keys, ${counters.reads} reads of ${CONFIG}`);
    await awaitDeadNodes(monitor, (line) => this.#log(line));
  }

  async #tearDown(): Promise<void> {
    await this.#monitor?.stop();
    await this.#counters?.stop();
    await this.#churner?.stop().catch(() => {});
    this.#fleet?.killNow();
    await this.#truth?.close();
    await this.#ensemble?.stop();
  }

  #result(): SoakResult {
    const all = this.#fleet?.all ?? [];
    return {
      seed: this.options.seed,
      minutes: this.options.minutes,
      clients: this.options.clients,
      seconds: Math.round((Date.now() - this.#startedAt) / 1000),
      figures: this.#figures,
      faults: this.#faults,
      writes: tally(all, this.#churner),
      audits: this.#audits.length,
      viewsCompared: this.#audits.reduce((n, a) => n + a.views, 0),
      processes: all.length,
    };
  }

  #log(line: string): void {
    this.options.log(`[${((Date.now() - this.#startedAt) / 1000).toFixed(1).padStart(6)}s] ${line}`);
  }
}

interface Parts {
  readonly fleet: Fleet;
  readonly truth: Truth;
  readonly churner: Churner;
  readonly counters: Counters;
  readonly monitor: Monitor;
  readonly audit: AuditContext;
  readonly faults: FaultContext;
}

/**
 * Waits until every live client is healed (connected, no fault on, ensemble serving). A client that is not within
 * HEAL_TIMEOUT_MS is counted and replaced, as is one that died on its own. Resolves with how long it took.
 */
async function healAll(fleet: Fleet, figures: Figures): Promise<number> {
  const started = Date.now();
  await fleet.fill();
  while (Date.now() - started < HEAL_TIMEOUT_MS) {
    if (fleet.live().every((c) => c.healAt !== undefined)) return Date.now() - started;
    await delay(50);
    await fleet.fill();
  }
  for (const client of fleet.live().filter((c) => c.healAt === undefined)) {
    figures.count(
      'unhealedClients',
      `${client.name} not healed ${HEAL_TIMEOUT_MS} ms after the fault ended (state ${client.state}, ` +
        `holds ${[...client.holds].join(',') || 'none'}); replaced`,
    );
    await fleet.replace(client.slot);
  }
  return Date.now() - started;
}

/** Figure 5: every live client closes, and its process must then exit by itself. */
async function closeAll(fleet: Fleet, figures: Figures, log: (line: string) => void): Promise<void> {
  const clients = fleet.live();
  // Writers first, so the counters are final before anything closes.
  await Promise.all(clients.map((c) => c.pause(PAUSE_TIMEOUT_MS).catch(() => {})));
  const outcomes = await Promise.all(clients.map(async (c) => ({ client: c, ...(await c.close()) })));
  for (const { client, exited, detail } of outcomes) {
    if (!exited) figures.count('unexitedProcesses', `${client.name}: ${detail}`);
  }
  log(`closed ${clients.length} clients: ${outcomes.filter((o) => o.exited).length} exited by themselves`);
}

/**
 * Figure 3 needs every dead process's deadline to pass and its nodes to be looked at after it: waits for that.
 * A soak whose observer cannot read them then has not checked them, and fails as a harness error.
 */
async function awaitDeadNodes(monitor: Monitor, log: (line: string) => void): Promise<void> {
  const deadline = monitor.lastDeadline();
  if (deadline === undefined) return;
  log(
    `waiting ${Math.max(0, Math.round((deadline - Date.now()) / 1000))} s for dead processes' sessions to expire`,
  );
  await waitFor(() => monitor.settled(), {
    timeout: Math.max(0, deadline - Date.now()) + DEAD_CHECK_SLACK_MS,
    interval: 100,
    message: "the checks of dead processes' nodes",
  });
}

function tally(all: readonly ClientProcess[], churner: Churner | undefined): SoakResult['writes'] {
  const failures: Record<string, number> = {};
  for (const process of all) {
    for (const [code, count] of process.counter.failures) failures[code] = (failures[code] ?? 0) + count;
  }
  return {
    acknowledged: all.reduce((n, p) => n + p.counter.acked, 0),
    attempts: all.reduce((n, p) => n + p.counter.attempts, 0),
    failures,
    churn: churner?.writes ?? 0,
    churnFailures: churner?.failures ?? 0,
  };
}
