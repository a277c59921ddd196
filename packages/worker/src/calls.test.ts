import { describe, expect, it } from 'vitest';
import { Calls, untilAborted } from './calls.js';
import { deferred } from './deferred.js';

describe('Calls', () => {
  it('fires the signal of the call in flight that an abort command names', async () => {
    const calls = new Calls();
    const gate = deferred<void>();
    let seen: AbortSignal | undefined;
    const running = calls.run({ id: 7 }, async (signal) => {
      seen = signal;
      await gate.promise;
      return signal?.aborted;
    });
    calls.abort(8); // another call's id: nothing happens to this one
    expect(seen?.aborted).toBe(false);
    calls.abort(7);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toMatchObject({ code: 'ABORTED' });
    gate.resolve();
    await expect(running).resolves.toBe(true);
  });

  it('does nothing for an abort that arrives after its call finished', async () => {
    const calls = new Calls();
    let seen: AbortSignal | undefined;
    await calls.run({ id: 1 }, async (signal) => {
      seen = signal;
    });
    calls.abort(1);
    expect(seen?.aborted).toBe(false);
  });

  it('gives a call without a context no signal: nothing can abort it, so nothing is allocated for it', async () => {
    const calls = new Calls();
    const signal = await calls.run(undefined, async (s) => s);
    expect(signal).toBeUndefined();
  });

  it('releases the call however its work ends', async () => {
    const calls = new Calls();
    let seen: AbortSignal | undefined;
    await expect(
      calls.run({ id: 2 }, async (signal) => {
        seen = signal;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    calls.abort(2);
    expect(seen?.aborted).toBe(false);
  });
});

describe('untilAborted', () => {
  it('rejects with ABORTED as soon as the signal fires, leaving the work to its caller', async () => {
    const controller = new AbortController();
    const work = deferred<string>();
    const waiting = untilAborted(work.promise, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    work.resolve('done later');
  });

  it("settles with the work's own outcome when the signal does not fire", async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(1), controller.signal)).resolves.toBe(1);
    await expect(untilAborted(Promise.reject(new Error('x')), controller.signal)).rejects.toThrow('x');
  });
});
