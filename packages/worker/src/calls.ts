import { abortedError, type CallContext } from '@zkit/protocol';

/**
 * The calls in flight that the main thread may abort. The main thread gives each abortable call an id and sends
 * `{ type: 'abort', id }` when its AbortSignal fires; the call's code holds the matching AbortSignal and checks it
 * wherever giving up loses nothing (before a request is written, between retries), or undoes what it wrote.
 *
 *   main: call(…, { id }) ─────────────▶ worker: signal = calls.signal(call)   ─▶ session.run(op, { signal })
 *   main: signal fires ── abort(id) ───▶ worker: calls.abort(id) ─▶ signal aborted ─▶ rejects ABORTED / undoes
 */
export class Calls {
  readonly #controllers = new Map<number, AbortController>();

  /**
   * The signal of a call; none for a call without a context (its caller gave no signal, so it can never be
   * aborted): no AbortController, no listeners, nothing to release on the path of most calls. `release` when done.
   */
  signal(call: CallContext | undefined): AbortSignal | undefined {
    if (call === undefined) return undefined;
    const controller = new AbortController();
    this.#controllers.set(call.id, controller);
    return controller.signal;
  }

  release(call: CallContext | undefined): void {
    if (call !== undefined) this.#controllers.delete(call.id);
  }

  /** Runs `work` with the call's signal, releasing it however the work ends. */
  async run<T>(
    call: CallContext | undefined,
    work: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const signal = this.signal(call);
    try {
      return await work(signal);
    } finally {
      this.release(call);
    }
  }

  /**
   * Calls and commands cross on one ordered port and a call takes its signal synchronously on arrival, so an id
   * not held here belongs to a call that has already ended: nothing to do.
   */
  abort(id: number): void {
    const controller = this.#controllers.get(id);
    this.#controllers.delete(id);
    controller?.abort(abortedError());
  }
}

/** Throws ABORTED if `signal` fired: call it at every point where giving up still loses nothing. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

/** `work`, or ABORTED as soon as `signal` fires: the work itself goes on (its caller undoes what it did). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}
