import { describe, expect, it } from 'vitest';
import { Counter } from './counter.js';

describe('the counter rule', () => {
  it('accepts exactly the acknowledged count when every attempt was answered', () => {
    const counter = new Counter();
    for (let n = 1; n <= 3; n++) {
      counter.onWriting(n);
      counter.onAcked(n);
    }
    expect(counter.check(3)).toEqual({ lost: 0, unexpected: 0 });
    expect(counter.check(2)).toEqual({ lost: 1, unexpected: 0 });
    expect(counter.check(4)).toEqual({ lost: 0, unexpected: 1 });
  });

  it('allows one more when the process died with an attempt in flight', () => {
    const counter = new Counter();
    counter.onWriting(1);
    counter.onAcked(1);
    counter.onWriting(2);
    expect(counter.maybe).toBe(2);
    expect(counter.check(1)).toEqual({ lost: 0, unexpected: 0 });
    expect(counter.check(2)).toEqual({ lost: 0, unexpected: 0 });
    expect(counter.check(3)).toEqual({ lost: 0, unexpected: 1 });
  });

  it('allows one more after a failure of unknown outcome, even when a retry of it was refused', () => {
    const counter = new Counter();
    counter.onWriting(1);
    counter.onFailed(1, 'CONNECTION_LOSS', 'unknown');
    counter.onWriting(1);
    counter.onFailed(1, 'NOT_CONNECTED', 'not-applied');
    expect(counter.maybe).toBe(1);
    expect(counter.check(1)).toEqual({ lost: 0, unexpected: 0 });
    expect(counter.failures).toEqual(
      new Map([
        ['CONNECTION_LOSS', 1],
        ['NOT_CONNECTED', 1],
      ]),
    );
  });

  it('allows nothing more when the only failure was a refusal', () => {
    const counter = new Counter();
    counter.onWriting(1);
    counter.onFailed(1, 'NOT_CONNECTED', 'not-applied');
    expect(counter.maybe).toBeUndefined();
    expect(counter.check(1)).toEqual({ lost: 0, unexpected: 1 });
  });

  it('forgets an unknown outcome once that value is acknowledged', () => {
    const counter = new Counter();
    counter.onWriting(1);
    counter.onFailed(1, 'WORKER_CRASHED', 'unknown');
    counter.onWriting(1);
    counter.onAcked(1);
    expect(counter.maybe).toBeUndefined();
    expect(counter.check(1)).toEqual({ lost: 0, unexpected: 0 });
  });
});
