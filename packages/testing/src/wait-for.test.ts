import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value, sync or async', async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls >= 3 ? { calls } : undefined), { interval: 1 })).toEqual({
      calls: 3,
    });
    expect(await waitFor(async () => 'ready')).toBe('ready');
  });

  it('treats a throwing probe as not yet', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        if (++calls < 3) throw new Error('not yet');
        return calls;
      },
      { interval: 1 },
    );
    expect(value).toBe(3);
  });

  it('rejects with WAIT_TIMEOUT quoting the message and the last value', async () => {
    await expect(waitFor(() => 0, { timeout: 50, message: 'the counter' })).rejects.toMatchObject({
      code: 'WAIT_TIMEOUT',
      message: expect.stringMatching(/waiting for the counter; last value: 0$/),
    });
  });

  it('quotes the last error, code included, and keeps it as the cause', async () => {
    const failure = Object.assign(new Error('no such node'), { code: 'NO_NODE' });
    const error = await waitFor(
      () => {
        throw failure;
      },
      { timeout: 50 },
    ).catch((e: unknown) => e as Error);
    expect(error.message).toContain('last error: Error [NO_NODE]: no such node');
    expect(error.cause).toBe(failure);
  });

  it('is bounded even when the probe never settles', async () => {
    await expect(waitFor(() => new Promise(() => {}), { timeout: 50 })).rejects.toMatchObject({
      code: 'WAIT_TIMEOUT',
      message: expect.stringContaining('the probe never settled'),
    });
  }, 1000);

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const waiting = waitFor(() => false, { timeout: 5000, signal: controller.signal });
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });
});
