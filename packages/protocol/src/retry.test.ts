import { describe, expect, expectTypeOf, it } from 'vitest';
import { exponentialBackoff, sleep } from './retry.js';

describe('exponentialBackoff', () => {
  it('doubles its ceiling up to the maximum, with full jitter: anywhere from 0 to the ceiling', () => {
    const low = exponentialBackoff({ initial: 100, max: 1000 }, () => 0);
    const high = exponentialBackoff({ initial: 100, max: 1000 }, () => 1);
    const middle = exponentialBackoff({ initial: 100, max: 1000 }, () => 0.5);
    expect([1, 2, 3, 4, 5, 10].map(low)).toEqual([0, 0, 0, 0, 0, 0]);
    expect([1, 2, 3, 4, 5, 10].map(high)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 10].map(middle)).toEqual([50, 100, 200, 400, 500, 500]);
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

describe('sleep', () => {
  it('rejects with ABORTED as soon as its signal fires', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects at once for a signal that already fired', async () => {
    await expect(sleep(60_000, AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('an endless backoff', () => {
  it('never gives up, and its type says so', () => {
    const policy = exponentialBackoff({ initial: 10, max: 40 }, () => 1);
    expectTypeOf(policy).returns.toEqualTypeOf<number>();
    expect([1, 2, 3, 4, 1000].map(policy)).toEqual([10, 20, 40, 40, 40]);
    const limited = exponentialBackoff({ attempts: 2 }, () => 1);
    expectTypeOf(limited).returns.toEqualTypeOf<number | null>();
    expect(limited(3)).toBeNull();
  });
});
