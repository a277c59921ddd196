import { describe, expect, it } from 'vitest';
import { NodeError, zkError } from './errors.js';
import { settle, settlingApi, toWireError, unwrapOutcome } from './outcome.js';

describe('outcomes across the thread boundary', () => {
  it('rebuilds a ZkError with its class, code, path, zkName and stack', async () => {
    const thrown = zkError('NO_NODE', 'no node at /a', { path: '/a', zkName: 'NO_NODE' });

    const outcome = await settle(() => Promise.reject(thrown));
    const rebuilt = (() => {
      try {
        return unwrapOutcome(structuredClone(outcome));
      } catch (error) {
        return error;
      }
    })();

    expect(rebuilt).toBeInstanceOf(NodeError);
    expect(rebuilt).toMatchObject({
      code: 'NO_NODE',
      message: 'no node at /a',
      path: '/a',
      zkName: 'NO_NODE',
    });
    expect((rebuilt as Error).stack).toBe(thrown.stack);
  });

  it('carries anything else as INTERNAL with the original message and stack', () => {
    const bug = new TypeError('undefined is not a function');

    expect(toWireError(bug)).toEqual({ code: 'INTERNAL', message: bug.message, stack: bug.stack });
    expect(toWireError('a string')).toEqual({ code: 'INTERNAL', message: 'a string' });
  });

  it('turns a method that throws synchronously into a failed outcome, and passes values through', async () => {
    const api = settlingApi({
      sync(): Promise<number> {
        throw new Error('at once');
      },
      async fine(n: number): Promise<number> {
        return n + 1;
      },
    });

    expect(await api.sync()).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'at once' } });
    expect(await api.fine(1)).toEqual({ ok: true, value: 2 });
    expect(api.fine).toBe(api.fine);
  });
});
