import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { WorkerEvent } from '@zkit/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveOptions } from '../options.js';
import { Heartbeat } from './heartbeat.js';
import { WorkerSupervisor } from './worker-supervisor.js';

/** What a fake worker does with its `start` call: answer, die there, or never answer. */
type OnStart = 'ok' | 'crash' | 'hang';

/**
 * A stand-in for the worker thread, for the supervisor's logic alone: it answers zkit's comlink requests (each
 * with an Outcome, as the real worker does) and dies when told to.
 */
class FakeWorker extends EventEmitter {
  ended = false;

  constructor(private readonly onStart: OnStart) {
    super();
  }

  postMessage(data: unknown): void {
    for (const message of unbatch(data)) {
      const { id, type, path } = message as { id?: string; type?: string; path?: string[] };
      if (type !== 'APPLY' || id === undefined) continue;
      if (path?.[0] !== 'start') this.#answer(id, undefined);
      else if (this.onStart === 'ok') this.#answer(id, { sessionId: '1', timeout: 4000 });
      else if (this.onStart === 'crash') this.crash();
    }
  }

  /** Dies on its own, as a worker does on an uncaught exception. */
  crash(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('error', new Error('boom'));
    this.emit('exit', 1);
  }

  terminate(): Promise<number> {
    if (!this.ended) {
      this.ended = true;
      queueMicrotask(() => this.emit('exit', 1));
    }
    return Promise.resolve(1);
  }

  /** Posts an event, as the worker's emit() does. */
  event(event: WorkerEvent): void {
    this.emit('message', { 'zkit:event': true, event });
  }

  #answer(id: string, value: unknown): void {
    queueMicrotask(() => this.emit('message', { id, type: 'RAW', value: { ok: true, value } }));
  }
}

function unbatch(data: unknown): unknown[] {
  const batch = (data as Record<string, unknown> | null)?.['zkit:batch'];
  return Array.isArray(batch) ? batch : [data];
}

const quiet = pino({ level: 'silent' });
let heartbeat: Heartbeat;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  heartbeat = new Heartbeat(1000);
});
afterEach(() => {
  heartbeat.stop();
  vi.useRealTimers();
});

/** A supervisor over fake workers; `onStart[n]` scripts the n-th worker (default 'ok'). */
function supervise(onStart: OnStart[] = [], restore: (attempt: number) => Promise<void> = async () => {}) {
  const workers: FakeWorker[] = [];
  const events: WorkerEvent[] = [];
  const states: string[] = [];
  let restores = 0;
  const supervisor = new WorkerSupervisor(
    resolveOptions('127.0.0.1:2181', { logger: quiet }),
    heartbeat,
    quiet,
    {
      onEvent: (event) => events.push(event),
      onState: (state) => states.push(state),
      restore: () => restore(++restores),
      createWorker: () => {
        const worker = new FakeWorker(onStart[workers.length] ?? 'ok');
        workers.push(worker);
        return worker as unknown as Worker;
      },
    },
  );
  return {
    supervisor,
    workers,
    events,
    states,
    live: () => workers.filter((worker) => !worker.ended).length,
    restores: () => restores,
    diagnostics: () => supervisor.call((api) => api.diagnostics()),
  };
}

/** Lets every message, microtask and check-phase callback now due run (real setImmediate: the ports use it). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Waits, turn by turn, until `condition` holds (bounded). Not vi.waitFor: under fake timers it advances the clock,
 * which would run the very backoff these tests watch.
 */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}

describe('WorkerSupervisor', () => {
  it('a worker that dies during start: start() rejects, nothing is spawned afterwards, no timer is left', async () => {
    const { supervisor, workers, live } = supervise(['crash']);

    await expect(supervisor.start()).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    await settle();

    expect(workers).toHaveLength(1);
    expect(live()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(workers).toHaveLength(1);
    await expect(supervisor.call((api) => api.diagnostics())).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('a worker that cannot be created: start() rejects with WORKER_CRASHED naming the cause', async () => {
    const supervisor = new WorkerSupervisor(
      resolveOptions('127.0.0.1:2181', { logger: quiet }),
      heartbeat,
      quiet,
      {
        onEvent: () => {},
        onState: () => {},
        restore: async () => {},
        createWorker: () => {
          throw new Error('Initiated Worker with invalid execArgv flags: --nope');
        },
      },
    );

    await expect(supervisor.start()).rejects.toMatchObject({
      code: 'WORKER_CRASHED',
      message: expect.stringContaining('invalid execArgv flags: --nope'),
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('start(signal): aborting terminates the worker and rejects with ABORTED; an aborted signal spawns nothing', async () => {
    const { supervisor, workers, live } = supervise(['hang']);
    const controller = new AbortController();

    const starting = supervisor.start(controller.signal);
    await settle();
    controller.abort();

    await expect(starting).rejects.toMatchObject({ code: 'ABORTED' });
    expect(live()).toBe(0);
    const second = supervise();
    await expect(second.supervisor.start(AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
    expect(second.workers).toHaveLength(0);
    expect(workers).toHaveLength(1);
  });

  it('a restore that throws leaves exactly one live worker', async () => {
    const { supervisor, workers, live, restores, diagnostics } = supervise([], async (attempt) => {
      if (attempt === 1) throw new Error('NO_AUTH on a watched path');
    });
    await supervisor.start();

    workers[0]?.crash();
    await until(() => restores() === 1);
    await settle();
    expect(live()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    await diagnostics();

    expect(restores()).toBe(2);
    expect(workers).toHaveLength(3);
    expect(live()).toBe(1);
  });

  it('a replacement that dies during its own start is retried by the one loop, not by a second one', async () => {
    const { supervisor, workers, live, events, states, diagnostics } = supervise(['ok', 'crash', 'ok']);
    await supervisor.start();

    workers[0]?.crash();
    await until(() => workers[1]?.ended === true);
    await settle();
    expect(workers).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(5000);
    await diagnostics();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(workers).toHaveLength(3);
    expect(live()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(states).toEqual(['connecting', 'connecting']);
    expect(events).toEqual([
      {
        type: 'failure',
        failure: { kind: 'worker', error: expect.objectContaining({ code: 'WORKER_CRASHED' }) },
      },
    ]);
  });

  it('drops the events of a worker that is no longer current', async () => {
    const { supervisor, workers, events, diagnostics } = supervise();
    await supervisor.start();
    const old = workers[0];
    old?.crash();
    await diagnostics();

    old?.event({ type: 'log', level: 'info', fields: {}, msg: 'from the old worker' });
    workers[1]?.event({ type: 'log', level: 'info', fields: {}, msg: 'from the new worker' });
    await settle();

    expect(events.map((event) => event.type === 'log' && event.msg)).toEqual(['from the new worker']);
  });

  it('stop() during the wait between attempts ends the loop at once and leaves no timer', async () => {
    const { supervisor, workers, live } = supervise(['ok', 'crash']);
    await supervisor.start();
    workers[0]?.crash();
    await until(() => vi.getTimerCount() === 1);

    await supervisor.stop();

    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(workers).toHaveLength(2);
    expect(live()).toBe(0);
    await expect(supervisor.call((api) => api.diagnostics())).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('stop() while a replacement is starting closes that worker and ends the loop', async () => {
    const { supervisor, workers, live } = supervise(['ok', 'hang']);
    await supervisor.start();
    workers[0]?.crash();
    await until(() => workers.length === 2);
    const waiting = supervisor.call((api) => api.diagnostics());

    await supervisor.stop();

    await expect(waiting).rejects.toMatchObject({ code: 'CLOSED' });
    expect(live()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(workers).toHaveLength(2);
  });

  it('rejects a call pending on a worker that dies with WORKER_CRASHED; later calls go to the new worker', async () => {
    const { supervisor, workers } = supervise(['ok', 'ok']);
    await supervisor.start();
    const pending = supervisor.call(() => new Promise<never>(() => {}));
    await settle();

    workers[0]?.crash();

    await expect(pending).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    await expect(supervisor.call((api) => api.diagnostics())).resolves.toBeUndefined();
  });
});
