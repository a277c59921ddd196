import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './retry.js';

describe('exponentialBackoff', () => {
  it('doubles up to the maximum, with jitter in the upper half of each step', () => {
    const low = exponentialBackoff({ initial: 100, max: 1000 }, () => 0);
    const high = exponentialBackoff({ initial: 100, max: 1000 }, () => 1);
    expect([1, 2, 3, 4, 5, 10].map(low)).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 10].map(high)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('gives up after the given number of attempts', () => {
    const policy = exponentialBackoff({ attempts: 2 });
    expect(policy(2)).not.toBeNull();
    expect(policy(3)).toBeNull();
  });

  it('stays finite for huge attempt numbers', () => {
    expect(exponentialBackoff({ max: 5000 }, () => 1)(10_000)).toBe(5000);
  });
});
