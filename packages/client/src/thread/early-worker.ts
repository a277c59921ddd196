/**
 * The session worker started before connect() has checked its options, so that the thread's start (a new V8
 * isolate, compiling the worker's code) overlaps the checks and the client's construction instead of following them.
 *
 *   connect() ── new EarlyWorker() ──▶ thread starting ···························▶ (ready for the start call)
 *          └── resolveOptions(), new ZooKeeper() ── first spawn takes it ── api.start posted, queued until it is ready
 *   options refused, or connect() fails before taking it ──▶ discard(): terminated, unref'd
 *
 * Nothing can be lost between the start and the take: the handle attaches its listeners in the same synchronous turn
 * (a Worker's events are dispatched on later turns). Replacement workers are made as before, one per attempt.
 */
import type { Worker } from 'node:worker_threads';
import { type CreateWorker, spawnWorker } from './worker-handle.js';

export class EarlyWorker {
  #worker: Worker | undefined;
  /** Why the thread could not be created: thrown by the first spawn, which reports it as WORKER_CRASHED. */
  #failure: { readonly error: unknown } | undefined;

  constructor(create: CreateWorker = spawnWorker) {
    try {
      this.#worker = create();
    } catch (error) {
      this.#failure = { error };
    }
  }

  /** For the supervisor's first spawn: the thread already starting; later calls make a new one. */
  readonly createWorker: CreateWorker = () => {
    const worker = this.#worker;
    const failure = this.#failure;
    this.#worker = undefined;
    this.#failure = undefined;
    if (worker) return worker;
    if (failure) throw failure.error;
    return spawnWorker();
  };

  /** Stops the thread if no spawn took it (connect() failed first); a no-op once taken. */
  discard(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failure = undefined;
    if (!worker) return;
    worker.unref();
    worker.terminate().catch(() => {});
  }
}
