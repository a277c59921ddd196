/**
 * A seeded PRNG (mulberry32: 32 bits of state, good enough to pick faults and never cryptographic). The same seed
 * gives the same sequence of faults, targets and durations; how the processes interleave still varies from run to
 * run, so a seed reproduces the schedule, not the exact history.
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float in [range[0], range[1]). */
  between([min, max]: readonly [number, number]): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A seed for another stream (a child process, the churner), so each draws independently of the others' timing. */
  fork(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
}

/** A random seed when none is given: printed, so the run can be repeated with --seed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
