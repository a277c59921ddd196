import { describe, expect, it } from 'vitest';
import type { Log } from '../log-forward.js';
import { StallWatchdog } from './stall-watchdog.js';

const quiet: Log = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

function watchdog(stallTimeout: number) {
  const buffer = new SharedArrayBuffer(4);
  const beats = new Int32Array(buffer);
  const events: string[] = [];
  const dog = new StallWatchdog(
    buffer,
    stallTimeout,
    100,
    { onStall: () => events.push('stall'), onRecover: () => events.push('recover') },
    quiet,
  );
  return { dog, events, beat: () => Atomics.add(beats, 0, 1) };
}

describe('StallWatchdog', () => {
  it('reports a stall once the counter has not moved for stallTimeout, and recovery when it moves again', () => {
    const { dog, events, beat } = watchdog(1000);
    const t0 = performance.now();
    dog.check(t0 + 500);
    expect(events).toEqual([]);
    dog.check(t0 + 1001);
    dog.check(t0 + 2000);
    expect(events).toEqual(['stall']);
    expect(dog.stalled).toBe(true);
    beat();
    dog.check(t0 + 2100);
    expect(events).toEqual(['stall', 'recover']);
    expect(dog.stalled).toBe(false);
  });

  it('ignores pauses shorter than stallTimeout', () => {
    const { dog, events, beat } = watchdog(1000);
    const t0 = performance.now();
    for (let t = 0; t < 5000; t += 900) {
      dog.check(t0 + t);
      beat();
    }
    expect(events).toEqual([]);
  });
});
