import { fileURLToPath } from 'node:url';
import { ClientProcess, type Hold } from './client-process.js';
import {
  SESSION_TIMEOUT_MS,
  STALL_TIMEOUT_MS,
  TRANSIENT_VIEW_MS,
  TRANSIENT_VIEWS,
  WRITE_INTERVAL_MS,
} from './config.js';
import type { Figures } from './figures.js';
import { identity } from './paths.js';
import type { Prng } from './prng.js';

/** Starts of one slot's process before the soak gives up. */
const START_ATTEMPTS = 3;

const SCRIPT = fileURLToPath(new URL('./client/main.js', import.meta.url));

/**
 * The client processes: one per slot at a time, a new generation when one is killed and replaced. Every process
 * ever started is kept, for the checks that outlive it (its nodes must go, its counter must hold).
 */
export class Fleet {
  readonly all: ClientProcess[] = [];
  readonly #slots: (ClientProcess | undefined)[];
  #nextGen = 1;
  readonly #counted = new WeakSet<ClientProcess>();

  constructor(
    size: number,
    private readonly connectionString: string,
    private readonly prng: Prng,
    private readonly figures: Figures,
    private readonly ensembleServing: () => boolean,
    private readonly options: { readonly logLevel: string; readonly verbose: boolean },
  ) {
    this.#slots = Array.from({ length: size }, () => undefined);
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The process in `slot` now. */
  at(slot: number): ClientProcess {
    const process = this.#slots[slot];
    if (process === undefined) throw new Error(`no client in slot ${slot}`);
    return process;
  }

  live(): ClientProcess[] {
    return this.#slots.filter((p): p is ClientProcess => p?.alive === true);
  }

  /** Starts a new generation in `slot` and resolves once it is ready. A start that fails counts as a crash. */
  async start(slot: number): Promise<ClientProcess> {
    const gen = this.#nextGen++;
    const process = new ClientProcess(
      identity(gen),
      slot,
      SCRIPT,
      {
        gen,
        connectionString: this.connectionString,
        seed: this.prng.fork(),
        sessionTimeout: SESSION_TIMEOUT_MS,
        stallTimeout: STALL_TIMEOUT_MS,
        writeInterval: WRITE_INTERVAL_MS,
        transientViews: TRANSIENT_VIEWS,
        transientViewMs: TRANSIENT_VIEW_MS,
        logLevel: this.options.logLevel,
      },
      this.ensembleServing,
      this.options.verbose,
    );
    this.all.push(process);
    this.#slots[slot] = process;
    try {
      await process.ready();
    } catch (error) {
      this.#countCrash(process, `did not start: ${describe(error)}`);
      await process.kill();
      throw error;
    }
    return process;
  }

  /** SIGKILLs the process in `slot` (if alive) and starts its replacement. */
  async replace(slot: number): Promise<ClientProcess> {
    await this.#slots[slot]?.kill();
    return this.start(slot);
  }

  /**
   * Puts a live process in every slot again: a process that died on its own is counted and replaced, so the soak
   * goes on with its full number of clients. Gives up (the soak cannot go on) after a few failed starts.
   */
  async fill(): Promise<void> {
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const process = this.#slots[slot];
      if (process?.alive) continue;
      if (process !== undefined) this.#countCrash(process, `died: ${process.fatal ?? 'no reason given'}`);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.start(slot);
          break;
        } catch (error) {
          if (attempt >= START_ATTEMPTS) throw error;
        }
      }
    }
  }

  #countCrash(process: ClientProcess, detail: string): void {
    if (process.death?.how === 'killed' || process.death?.how === 'closed' || this.#counted.has(process))
      return;
    this.#counted.add(process);
    this.figures.count('crashedProcesses', `${process.name} ${detail}`);
  }

  holdAll(reason: Hold): void {
    for (const process of this.live()) process.hold(reason);
  }

  releaseAll(reason: Hold): void {
    for (const process of this.live()) process.release(reason);
  }

  refreshHeal(): void {
    const now = Date.now();
    for (const process of this.live()) process.refreshHeal(now);
  }

  /** For the exit handler: SIGCONT and SIGKILL every process still running. */
  killNow(): void {
    for (const process of this.all) process.killNow();
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
