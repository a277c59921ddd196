import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, FaultBag } from './faults.js';
import { Prng } from './prng.js';

describe('the seeded schedule', () => {
  it('repeats itself for the same seed and differs for another', () => {
    const draw = (seed: number) => {
      const prng = new Prng(seed);
      return Array.from({ length: 20 }, () => prng.int(0, 1000));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('stays within its ranges', () => {
    const prng = new Prng(1);
    for (let i = 0; i < 1000; i++) {
      const n = prng.int(2, 4);
      expect(n >= 2 && n <= 4 && Number.isInteger(n)).toBe(true);
      const x = prng.between([0.5, 0.75]);
      expect(x >= 0.5 && x < 0.75).toBe(true);
    }
  });

  it('draws every kind of fault once in each round of the bag', () => {
    const bag = new FaultBag(new Prng(3));
    const round = () => Array.from(FAULT_KINDS, () => bag.next()).sort();
    expect(round()).toEqual([...FAULT_KINDS].sort());
    expect(round()).toEqual([...FAULT_KINDS].sort());
  });
});
