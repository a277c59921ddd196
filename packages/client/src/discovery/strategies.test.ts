import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Instance } from './instance.js';
import { testInstance } from './instances.fixture.js';
import { createPicker, type StrategyContext } from './strategies.js';

const instance = (id: string) => testInstance(id);

function instances(count: number): Instance[] {
  return Array.from({ length: count }, (_, index) => instance(`i${String(index).padStart(3, '0')}`));
}

/** A deterministic random() (mulberry32), so a failing property replays from its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hands out `values` in turn, then repeats the last. */
function scripted(...values: number[]): () => number {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)]!;
}

function context(random: () => number, counts: ReadonlyMap<string, number> = new Map()): StrategyContext {
  return { random, inFlight: (id) => counts.get(id) ?? 0 };
}

describe('round robin', () => {
  it('visits every instance of a stable list exactly once per cycle, in order, from any start', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        (n, seed, cycles) => {
          const up = instances(n);
          const pick = createPicker('round-robin', context(seeded(seed)));
          const picks = Array.from({ length: n * cycles }, () => up.indexOf(pick(up)));
          for (let cycle = 0; cycle < cycles; cycle++) {
            const seen = picks.slice(cycle * n, (cycle + 1) * n);
            expect(new Set(seen).size).toBe(n);
          }
          for (let k = 1; k < picks.length; k++) expect(picks[k]).toBe((picks[k - 1]! + 1) % n);
        },
      ),
    );
  });

  it('starts at a random instance, so providers started together do not all go to the first', () => {
    const up = instances(4);
    expect(createPicker('round-robin', context(scripted(0.99)))(up).id).toBe('i003');
    expect(createPicker('round-robin', context(scripted(0)))(up).id).toBe('i000');
  });

  it('carries its index over a list that shrinks, and stays within it', () => {
    const pick = createPicker('round-robin', context(scripted(0)));
    const all = instances(4);
    expect([pick(all), pick(all), pick(all)].map((i) => i.id)).toEqual(['i000', 'i001', 'i002']);
    const two = all.slice(0, 2);
    expect([pick(two), pick(two), pick(two)].map((i) => i.id)).toEqual(['i001', 'i000', 'i001']);
  });
});

describe('random', () => {
  it('maps random() uniformly onto the list, even a random() that returns 1', () => {
    const up = instances(4);
    const pick = createPicker('random', context(scripted(0, 0.25, 0.74, 0.9999, 1)));
    expect(Array.from({ length: 5 }, () => pick(up).id)).toEqual(['i000', 'i001', 'i002', 'i003', 'i003']);
  });

  it('picks each instance about equally often', () => {
    const up = instances(5);
    const pick = createPicker('random', context(seeded(7)));
    const tally = new Map<string, number>();
    for (let k = 0; k < 10_000; k++) {
      const id = pick(up).id;
      tally.set(id, (tally.get(id) ?? 0) + 1);
    }
    for (const each of up) expect(tally.get(each.id)).toBeGreaterThan(1700);
  });
});

describe('sticky', () => {
  it('keeps the instance while it is up, moves on in turn when it is not, and does not move back', () => {
    const [a, b, c] = instances(3) as [Instance, Instance, Instance];
    const pick = createPicker('sticky', context(scripted(0)));
    expect([pick([a, b, c]), pick([a, b, c]), pick([a, b, c])]).toEqual([a, a, a]);
    expect(pick([b, c])).toBe(c);
    expect(pick([a, b, c])).toBe(c);
    expect(pick([a, b])).toBe(a);
  });

  it('returns the newest form of its instance', () => {
    const first = instance('i000');
    const pick = createPicker('sticky', context(scripted(0)));
    expect(pick([first])).toBe(first);
    const updated = Object.freeze({ ...first, data: { weight: 2 } });
    expect(pick([updated, instance('i001')])).toBe(updated);
  });

  it('spreads providers over the instances by a random first pick', () => {
    const up = instances(3);
    const firsts = [0, 0.4, 0.8].map((r) => createPicker('sticky', context(scripted(r)))(up).id);
    expect(firsts).toEqual(['i000', 'i001', 'i002']);
  });
});

describe('least-request', () => {
  it('weighs two distinct instances and never takes the busier one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 5 }), { minLength: 2, maxLength: 10 }),
        fc.integer(),
        (loads, seed) => {
          const up = instances(loads.length);
          const counts = new Map(up.map((each, index) => [each.id, loads[index]!]));
          const weighed: string[] = [];
          const pick = createPicker('least-request', {
            random: seeded(seed),
            inFlight: (id) => {
              weighed.push(id);
              return counts.get(id)!;
            },
          });
          for (let k = 0; k < 20; k++) {
            weighed.length = 0;
            const picked = pick(up);
            expect(weighed).toHaveLength(2);
            expect(new Set(weighed).size).toBe(2);
            expect(weighed).toContain(picked.id);
            const other = weighed.find((id) => id !== picked.id)!;
            expect(counts.get(picked.id)!).toBeLessThanOrEqual(counts.get(other)!);
          }
        },
      ),
    );
  });

  it('takes the only instance without weighing it', () => {
    const [only] = instances(1) as [Instance];
    const pick = createPicker('least-request', context(seeded(1)));
    expect(pick([only])).toBe(only);
  });

  it('spreads ties evenly, and keeps a busy instance out of most picks', () => {
    const up = instances(4);
    const busy = new Map([['i003', 10]]);
    const pick = createPicker('least-request', context(seeded(3), busy));
    const tally = new Map<string, number>();
    for (let k = 0; k < 12_000; k++) {
      const id = pick(up).id;
      tally.set(id, (tally.get(id) ?? 0) + 1);
    }
    // The busy one loses every draw it is in: never picked. The others share the picks evenly.
    expect(tally.get('i003')).toBeUndefined();
    for (const id of ['i000', 'i001', 'i002']) expect(tally.get(id)).toBeGreaterThan(3600);
  });
});
