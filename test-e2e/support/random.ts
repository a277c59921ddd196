/**
 * A small seeded PRNG (mulberry32) for tests whose histories must be reproducible: the same seed gives the same
 * choices, in this process and in a fixture process given the seed. Timing between processes is not
 * reproducible; the choices are.
 */
export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function seeded(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick() from an empty list');
      return items[int(items.length)] as T;
    },
    chance: (p) => next() < p,
  };
}

/**
 * The seed for a run: `ZKIT_TEST_SEED` when set (to replay a failure), else `fixed`. Printed, so a failing run's
 * log says how to replay it.
 */
export function testSeed(label: string, fixed: number): number {
  const fromEnv = process.env.ZKIT_TEST_SEED;
  const seed = fromEnv === undefined || fromEnv === '' ? fixed : Number(fromEnv);
  if (!Number.isInteger(seed)) throw new RangeError(`ZKIT_TEST_SEED must be an integer, not ${fromEnv}`);
  console.log(`${label}: seed ${seed} (replay with ZKIT_TEST_SEED=${seed})`);
  return seed;
}
