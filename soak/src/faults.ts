/**
 * The faults, one at a time, each bounded, each ending in a state the soak can heal from. Targets and durations
 * come from the seeded PRNG; a client fault targets a slot (the process there now).
 */
import {
  LONG_STALL,
  SERVER_DOWN_MS,
  SESSION_TIMEOUT_MS,
  SHORT_STALL,
  SIGSTOP_TIMEOUTS,
  STALL_TIMEOUT_MS,
  WORKER_REPLACE_TIMEOUT_MS,
} from './config.js';
import type { Ensemble } from './ensemble.js';
import type { Figures } from './figures.js';
import type { Fleet } from './fleet.js';
import type { Prng } from './prng.js';
import { delay } from './sleep.js';
import type { Truth } from './truth.js';

export const FAULT_KINDS = [
  'leader-kill',
  'follower-kill',
  'ensemble-restart',
  'client-sigstop',
  'client-kill',
  'worker-terminate',
  'stall-short',
  'stall-long',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Draws kinds from a shuffled bag holding each kind once, refilled when empty: every kind comes up once in each
 * round of eight, so even a short soak sees most of them, in a seeded order.
 */
export class FaultBag {
  #bag: FaultKind[] = [];

  constructor(private readonly prng: Prng) {}

  next(): FaultKind {
    if (this.#bag.length === 0) this.#bag = this.prng.shuffle(FAULT_KINDS);
    return this.#bag.pop()!;
  }
}

export interface FaultContext {
  readonly fleet: Fleet;
  readonly ensemble: Ensemble;
  readonly truth: Truth;
  readonly prng: Prng;
  readonly figures: Figures;
}

/** Injects one fault and undoes it (restart, SIGCONT, replacement); resolves with what was done, for the log. */
export async function inject(kind: FaultKind, ctx: FaultContext): Promise<string> {
  const { fleet, ensemble, prng } = ctx;
  switch (kind) {
    case 'leader-kill':
    case 'follower-kill': {
      const downMs = Math.round(prng.between(SERVER_DOWN_MS));
      const choice = prng.int(0, 1);
      return ensembleFault(ctx, async () => {
        const role = kind === 'leader-kill' ? 'leader' : 'follower';
        const index = await ensemble.killAndRestart(role, downMs, choice);
        return `server ${index} (${role}) down ${downMs} ms`;
      });
    }
    case 'ensemble-restart': {
      const downMs = Math.round(prng.between(SERVER_DOWN_MS));
      return ensembleFault(ctx, async () => {
        await ensemble.restartAll(downMs);
        return `all servers down ${downMs} ms`;
      });
    }
    case 'client-sigstop': {
      const client = fleet.at(prng.int(0, fleet.size - 1));
      const stopMs = Math.round(prng.between(SIGSTOP_TIMEOUTS) * SESSION_TIMEOUT_MS);
      client.hold('sigstop');
      client.sigstop();
      await delay(stopMs);
      client.sigcont();
      client.release('sigstop');
      return `${client.name} stopped ${stopMs} ms`;
    }
    case 'client-kill': {
      const slot = prng.int(0, fleet.size - 1);
      const killed = fleet.at(slot);
      const next = await fleet.replace(slot);
      return `${killed.name} SIGKILLed, replaced by ${next.name}`;
    }
    case 'worker-terminate': {
      const client = fleet.at(prng.int(0, fleet.size - 1));
      client.hold('worker');
      try {
        const error = await client.terminateWorker(WORKER_REPLACE_TIMEOUT_MS + 5000);
        if (error !== undefined) ctx.figures.count('unhealedClients', `${client.name}: ${error}`);
      } finally {
        client.release('worker');
      }
      return `${client.name} worker terminated`;
    }
    case 'stall-short':
    case 'stall-long': {
      const client = fleet.at(prng.int(0, fleet.size - 1));
      const range = kind === 'stall-short' ? SHORT_STALL : LONG_STALL;
      const ms = Math.round(prng.between(range) * STALL_TIMEOUT_MS);
      // A short stall is no fault for the figures: zkit promises to keep the registrations through it.
      if (kind === 'stall-long') client.hold('stall');
      try {
        const took = await client.stall(ms);
        return `${client.name} main thread blocked ${took} ms (stallTimeout ${STALL_TIMEOUT_MS})`;
      } finally {
        client.release('stall');
      }
    }
    default:
      return kind satisfies never;
  }
}

/** Every live client is held (not healed) from the fault's start until the ensemble serves again. */
async function ensembleFault(ctx: FaultContext, run: () => Promise<string>): Promise<string> {
  ctx.fleet.holdAll('ensemble');
  try {
    return await run();
  } finally {
    await ctx.ensemble.awaitServing(ctx.truth);
    ctx.fleet.releaseAll('ensemble');
  }
}
