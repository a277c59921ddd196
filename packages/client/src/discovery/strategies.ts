/**
 * How a provider picks one of the instances that are up. Round robin, random and sticky are Apache Curator's
 * x-discovery strategies (`RoundRobinStrategy`, `RandomStrategy`, `StickyStrategy`); least-request is the power of
 * two random choices over the calls in flight, which keeps a slow instance from piling up work without the cost
 * of scanning every count.
 */
import type { Instance } from './instance.js';

/** How a provider picks an instance. */
export type Strategy = 'round-robin' | 'random' | 'sticky' | 'least-request';

export const STRATEGIES: readonly Strategy[] = ['round-robin', 'random', 'sticky', 'least-request'];

/** What a strategy may consult besides the instances. */
export interface StrategyContext {
  /** A number in [0, 1), as `Math.random()`. */
  random(): number;
  /** How many `run()` calls are in flight on the instance with this id (least-request). */
  inFlight(id: string): number;
}

/**
 * Picks one of `up`: the instances that are up, never empty, sorted by id (the view's order). A picker may keep
 * state from one pick to the next; `up` may differ from one pick to the next.
 */
export type Picker = (up: readonly Instance[]) => Instance;

export function createPicker(strategy: Strategy, context: StrategyContext): Picker {
  switch (strategy) {
    case 'round-robin':
      return roundRobin(context);
    case 'random':
      return (up) => up[randomIndex(up.length, context)]!;
    case 'sticky':
      return sticky(roundRobin(context));
    case 'least-request':
      return leastRequest(context);
  }
}

/**
 * An index modulo the current list, as Curator's: a stable list is visited in turn, each instance once per cycle.
 * Unlike Curator's, the first index is random: every provider starting at the first instance would send a fleet
 * restarted together to one instance first (and every sticky provider would stay there). When the list changes
 * the index carries over, so one instance may be skipped or repeated once; remembering the last id instead would
 * need the view's sort order here, for a difference that lasts one cycle. The index stays below the list's length.
 */
function roundRobin(context: StrategyContext): Picker {
  let next: number | undefined;
  return (up) => {
    const index = next === undefined ? randomIndex(up.length, context) : next % up.length;
    next = index + 1;
    return up[index]!;
  };
}

/**
 * The same instance while it is up; when it is not (gone, disabled, or down after errors), `inner` picks anew and
 * that one is kept, even once the first is back (as Curator's StickyStrategy). The inner strategy is round robin
 * (Curator's usual choice) from a random start: providers spread over the instances, and one that loses its
 * instance moves on to the next in turn. Kept by id, so an
 * instance whose data changed stays picked (Curator compares whole instances and would move on) and the newest
 * form of it is returned.
 */
function sticky(inner: Picker): Picker {
  let current: string | undefined;
  // Where it was last time: while the list is unchanged that is where it still is, found without a scan.
  let at = 0;
  return (up) => {
    if (current !== undefined) {
      if (up[at]?.id !== current) at = up.findIndex((instance) => instance.id === current);
      if (at !== -1) return up[at]!;
    }
    const picked = inner(up);
    current = picked.id;
    at = up.indexOf(picked);
    return picked;
  };
}

/**
 * Two distinct instances drawn at random, the one with fewer calls in flight taken. On a tie the first drawn is
 * taken: the draw is a uniformly random ordered pair, so that is already either one with even odds.
 */
function leastRequest(context: StrategyContext): Picker {
  return (up) => {
    if (up.length === 1) return up[0]!;
    const first = randomIndex(up.length, context);
    // One of the other length - 1, uniformly: draw among them and step over `first`.
    const drawn = randomIndex(up.length - 1, context);
    const second = drawn >= first ? drawn + 1 : drawn;
    const a = up[first]!;
    const b = up[second]!;
    return context.inFlight(b.id) < context.inFlight(a.id) ? b : a;
  };
}

/** An integer in [0, length), uniformly; clamped in case a `random()` returns 1. */
function randomIndex(length: number, context: StrategyContext): number {
  return Math.min(length - 1, Math.floor(context.random() * length));
}
