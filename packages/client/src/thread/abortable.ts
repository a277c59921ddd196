/**
 * AbortSignal support for every call that can wait, written once.
 *
 *   caller ── run(signal, invoke) ──▶ ZooKeeper's call ──▶ worker: api.method(…, { id })
 *   signal fires ─▶ caller rejects ABORTED at once
 *                └▶ { type: 'abort', id } (one-way, same ordered port) ──▶ worker gives the call up or undoes it
 *
 * The abort command is sent only once the call itself has been handed to a worker: a call still queued behind a
 * worker replacement is simply never sent (the command would reach the worker first, find no call with that id,
 * and the call would then run in full). What a call did anyway, because its reply was already on its way when the
 * abort arrived, is handed to `abandoned` so the caller can undo it (a registration) or give its watch back.
 */
import { abortedError, type CallContext, type WorkerApi, zkError } from '@zkit/protocol';
import type { WorkerCall } from './worker-handle.js';

/** Options of every call that can wait. */
export interface CallOptions {
  /**
   * Gives the call up when it fires: the call rejects at once with code `ABORTED` (not with `signal.reason`, so
   * callers can switch on `code`), and what it would have written does not happen later. An already-aborted signal
   * rejects before anything is sent.
   */
  readonly signal?: AbortSignal | undefined;
}

/** A call of the worker's API that takes a CallContext (undefined when the caller gave no signal). */
export type AbortableInvoke<T> = (api: WorkerApi, call: CallContext | undefined) => Promise<T>;

export interface AbortHooks<T> {
  /**
   * The caller gave up while the call was in flight: `work` is the call's own outcome (already handled: it never
   * rejects unhandled). Use it to undo what the call did if it completed anyway.
   */
  abandoned?(work: Promise<T>): void;
}

/** Refuses a `signal` option that is not an AbortSignal (INVALID_OPTION), before anything is sent. */
export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw zkError('INVALID_OPTION', 'option signal must be an AbortSignal');
}

/** A call's signal, refused at once when it is not an AbortSignal (INVALID_OPTION) or has fired (ABORTED). */
export function liveSignal(options: CallOptions): AbortSignal | undefined {
  const signal = checkSignal(options.signal);
  if (signal?.aborted) throw abortedError();
  return signal;
}

interface SignalListeners {
  readonly listeners: Set<() => void>;
  readonly dispatch: () => void;
}

/** One `abort` listener per signal however many calls wait on it (Node warns past 10 on one EventTarget). */
const bySignal = new WeakMap<AbortSignal, SignalListeners>();

/**
 * Runs `listener` once if `signal` fires; returns the function that stops listening. Callers stop listening as soon
 * as their call settles, so a long-lived signal (one per process, say) collects no listeners.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  let entry = bySignal.get(signal);
  if (entry === undefined) {
    const listeners = new Set<() => void>();
    const dispatch = () => {
      bySignal.delete(signal);
      for (const each of listeners) each();
    };
    entry = { listeners, dispatch };
    bySignal.set(signal, entry);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const { listeners, dispatch } = entry;
  listeners.add(listener);
  return () => {
    if (!listeners.delete(listener) || listeners.size > 0 || bySignal.get(signal) !== entry) return;
    bySignal.delete(signal);
    signal.removeEventListener('abort', dispatch);
  };
}

/**
 * `work`'s outcome, or ABORTED as soon as `signal` fires (then `onAbort` runs, and `work` is left to settle on its
 * own, its rejection handled).
 */
export function raceSignal<T>(
  signal: AbortSignal | undefined,
  work: Promise<T>,
  onAborted?: () => void,
): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => {});
    onAborted?.();
    return Promise.reject(abortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => {
      onAborted?.();
      reject(abortedError());
    });
    work.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** Gives each abortable call its id and turns its signal into an `abort` command. One per client. */
export class AbortableCalls {
  #nextId = 1;

  constructor(
    private readonly call: WorkerCall,
    private readonly sendAbort: (id: number) => void,
  ) {}

  run<T>(signal: AbortSignal | undefined, invoke: AbortableInvoke<T>, hooks: AbortHooks<T> = {}): Promise<T> {
    try {
      checkSignal(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal === undefined) return this.call((api) => invoke(api, undefined));
    if (signal.aborted) return Promise.reject(abortedError());
    const id = this.#nextId++;
    let stage: 'queued' | 'sent' | 'aborted' = 'queued';
    const work = this.call((api) => {
      if (stage === 'aborted') return Promise.reject(abortedError());
      stage = 'sent';
      return invoke(api, { id });
    });
    return raceSignal(signal, work, () => {
      if (stage === 'sent') this.sendAbort(id);
      stage = 'aborted';
      hooks.abandoned?.(work);
    });
  }
}
