import { getEventListeners } from 'node:events';
import type { CallContext, WorkerApi } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import { AbortableCalls } from './abortable.js';
import type { WorkerCall } from './worker-handle.js';

/** A worker whose `getData` answers only when the test says so; `hold()` keeps calls queued (not yet sent). */
function scriptedWorker() {
  const sent: { path: string; call: CallContext | undefined; answer(value: unknown): void }[] = [];
  const aborts: number[] = [];
  let held: (() => void)[] | undefined;
  const api = {
    getData: (path: string, call?: CallContext) =>
      new Promise((resolve) => sent.push({ path, call, answer: resolve })),
  } as unknown as WorkerApi;
  const call: WorkerCall = (invoke) => {
    if (held === undefined) return invoke(api);
    const queue = held;
    return new Promise((resolve, reject) => queue.push(() => invoke(api).then(resolve, reject)));
  };
  return {
    sent,
    aborts,
    calls: new AbortableCalls(call, (id) => aborts.push(id)),
    hold: () => {
      held = [];
    },
    release: () => {
      const queue = held ?? [];
      held = undefined;
      for (const run of queue) run();
    },
  };
}

const read = (api: WorkerApi, call: CallContext | undefined) => api.getData('/a', call);

describe('abortable calls', () => {
  it('passes no call context without a signal, and one with a fresh id per call with a signal', async () => {
    const worker = scriptedWorker();
    const signal = new AbortController().signal;

    void worker.calls.run(undefined, read);
    void worker.calls.run(signal, read);
    void worker.calls.run(signal, read);

    expect(worker.sent.map((s) => s.call)).toEqual([undefined, { id: 1 }, { id: 2 }]);
  });

  it('rejects ABORTED before anything is sent when the signal already fired', async () => {
    const worker = scriptedWorker();

    const result = worker.calls.run(AbortSignal.abort(new Error('mine')), read);

    await expect(result).rejects.toMatchObject({ code: 'ABORTED' });
    expect(worker.sent).toEqual([]);
    expect(worker.aborts).toEqual([]);
  });

  it('rejects ABORTED at once when the signal fires, and tells the worker which call to give up', async () => {
    const worker = scriptedWorker();
    const controller = new AbortController();
    const result = worker.calls.run(controller.signal, read);

    controller.abort(new Error('the reason is not the error'));

    await expect(result).rejects.toMatchObject({ code: 'ABORTED' });
    expect(worker.aborts).toEqual([worker.sent[0]?.call?.id]);
  });

  it('never sends a call still queued when it is aborted (its abort would arrive first and find nothing)', async () => {
    const worker = scriptedWorker();
    worker.hold();
    const controller = new AbortController();
    const result = worker.calls.run(controller.signal, read);

    controller.abort();
    worker.release();

    await expect(result).rejects.toMatchObject({ code: 'ABORTED' });
    expect(worker.sent).toEqual([]);
    expect(worker.aborts).toEqual([]);
  });

  it('hands what the call did anyway to `abandoned`, with its rejection handled', async () => {
    const worker = scriptedWorker();
    const controller = new AbortController();
    let later: Promise<unknown> | undefined;
    const result = worker.calls.run(controller.signal, read, { abandoned: (work) => (later = work) });

    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'ABORTED' });
    worker.sent[0]?.answer('written before the abort arrived');

    await expect(later).resolves.toBe('written before the abort arrived');
  });

  it('listens once per signal, and stops when the calls settle, so a long-lived signal collects nothing', async () => {
    const worker = scriptedWorker();
    const signal = new AbortController().signal;

    const results = Array.from({ length: 50 }, () => worker.calls.run(signal, read));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    for (const sent of worker.sent) sent.answer({});
    await Promise.all(results);

    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('aborts every call waiting on one signal', async () => {
    const worker = scriptedWorker();
    const controller = new AbortController();
    const results = Array.from({ length: 20 }, () => worker.calls.run(controller.signal, read));

    controller.abort();

    for (const result of results) await expect(result).rejects.toMatchObject({ code: 'ABORTED' });
    expect(worker.aborts).toHaveLength(20);
  });

  it('refuses a signal that is not an AbortSignal with INVALID_OPTION', async () => {
    const worker = scriptedWorker();

    await expect(worker.calls.run({ aborted: false } as never, read)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    expect(worker.sent).toEqual([]);
  });
});
