import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DownInstances, type DownPolicy } from './down-instances.js';
import type { Instance } from './instance.js';
import { testInstance } from './instances.fixture.js';

const POLICY: DownPolicy = { downAfterErrors: 2, errorWindow: 30_000, downFor: 30_000 };

const listed = (...ids: string[]): Instance[] => ids.map((id) => testInstance(id));

describe('down instances (Curator DownInstancePolicy)', () => {
  it('takes an instance down at its second error within the window, for downFor from that error', () => {
    const down = new DownInstances(POLICY);
    down.noteError('a', 0);
    expect(down.isDown('a', 0)).toBe(false);
    down.noteError('a', 29_999);
    expect(down.isDown('a', 29_999)).toBe(true);
    expect(down.isDown('a', 29_999 + 29_999)).toBe(true);
    expect(down.isDown('a', 29_999 + 30_000)).toBe(false);
    expect(down.isDown('b', 29_999)).toBe(false);
  });

  it('counts errors in a fixed window from the first: one after it starts a new window', () => {
    const down = new DownInstances(POLICY);
    down.noteError('a', 0);
    down.noteError('a', 30_000);
    expect(down.isDown('a', 30_000)).toBe(false);
    down.noteError('a', 59_999);
    expect(down.isDown('a', 59_999)).toBe(true);
  });

  it('neither counts nor extends errors noted while down, and brings the instance back with none', () => {
    const down = new DownInstances(POLICY);
    down.noteError('a', 0);
    down.noteError('a', 1);
    down.noteError('a', 20_000);
    expect(down.isDown('a', 30_000)).toBe(true);
    expect(down.isDown('a', 30_001)).toBe(false);
    down.noteError('a', 30_001);
    expect(down.isDown('a', 30_001)).toBe(false);
    down.noteError('a', 30_002);
    expect(down.isDown('a', 30_002)).toBe(true);
  });

  it('takes an instance down at its first error when downAfterErrors is 1', () => {
    const down = new DownInstances({ ...POLICY, downAfterErrors: 1 });
    down.noteError('a', 5);
    expect(down.isDown('a', 5)).toBe(true);
  });

  it('forgets the ids the view no longer lists, and the records that are over', () => {
    const down = new DownInstances(POLICY);
    down.noteError('a', 0);
    down.noteError('b', 0);
    down.noteError('b', 0);
    down.noteError('gone', 0);
    down.prune(listed('a', 'b', 'c'), 1);
    expect(down.size).toBe(2);
    down.prune(listed('a', 'b'), 30_000);
    expect(down.size).toBe(0);
    down.noteError('b', 30_000);
    expect(down.isDown('b', 30_000)).toBe(false);
  });

  it('drops the records that are over as errors arrive, even of ids no view lists', () => {
    const down = new DownInstances(POLICY);
    for (let k = 0; k < 10_000; k++) down.noteError(`stale-${k}`, k * 100);
    // One error every 100 ms, each record over 30 s later, purged at most every 15 s: at most 450 are left.
    expect(down.size).toBeGreaterThan(0);
    expect(down.size).toBeLessThanOrEqual(450);
  });

  it('starts an instance that left the view and came back with no errors', () => {
    const down = new DownInstances(POLICY);
    down.noteError('a', 0);
    down.prune(listed('b'), 1);
    down.noteError('a', 2);
    expect(down.isDown('a', 2)).toBe(false);
  });

  it('is down only after downAfterErrors errors within errorWindow, and for at most downFor after the last', () => {
    const step = fc.record({ id: fc.constantFrom('a', 'b', 'c'), wait: fc.nat({ max: 20 }) });
    fc.assert(
      fc.property(
        fc.record({
          downAfterErrors: fc.integer({ min: 1, max: 4 }),
          errorWindow: fc.integer({ min: 1, max: 40 }),
          downFor: fc.integer({ min: 1, max: 40 }),
        }),
        fc.array(step, { maxLength: 60 }),
        (policy, steps) => {
          const down = new DownInstances(policy);
          const errors = new Map<string, number[]>();
          let now = 0;
          for (const { id, wait } of steps) {
            now += wait;
            down.noteError(id, now);
            errors.set(id, [...(errors.get(id) ?? []), now]);
            for (const [each, times] of errors) {
              if (!down.isDown(each, now)) continue;
              const last = times.at(-1)!;
              expect(now - last).toBeLessThan(policy.downFor);
              // Some run of downAfterErrors errors fits within the window.
              const fits = times.some(
                (start, k) =>
                  k + policy.downAfterErrors - 1 < times.length &&
                  times[k + policy.downAfterErrors - 1]! - start < policy.errorWindow,
              );
              expect(fits).toBe(true);
            }
          }
          down.prune([], now);
          expect(down.size).toBe(0);
        },
      ),
    );
  });

  it('keeps no record once every window and down time is over', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.string(), at: fc.nat({ max: 100_000 }) })), (noted) => {
        const down = new DownInstances(POLICY);
        const sorted = [...noted].sort((x, y) => x.at - y.at);
        for (const { id, at } of sorted) down.noteError(id, at);
        const ids = sorted.map(({ id }) => id);
        down.prune(listed(...ids), 100_000 + POLICY.errorWindow + POLICY.downFor);
        expect(down.size).toBe(0);
      }),
    );
  });
});
