import type { MessagePort, Worker } from 'node:worker_threads';
import type { Endpoint } from 'comlink';

/**
 * One side of the thread boundary. Everything either thread sends (comlink calls and replies, events, one-way
 * commands) goes through one of these, so it all stays in one order; what is sent in one turn of the event loop
 * crosses as one message.
 *
 *   post(a) post(b) post(c) ── same turn ──▶ setImmediate ──▶ postMessage({ 'zkit:batch': [a, b, c] })
 *   post(a)                 ── alone ──────▶ setImmediate ──▶ postMessage(a)
 *
 * Why: each postMessage wakes the other thread, and on a small machine the wake-up costs more than the message.
 * With 64 calls in flight the worker reads many ZooKeeper replies from one socket read; their replies now cross
 * together, and a view closed and reopened in one turn sends its unwatch and its new watch together.
 */
export class CoalescingPort {
  #queue: unknown[] = [];
  readonly #listeners = new Set<(data: unknown) => void>();

  constructor(private readonly target: Worker | MessagePort) {
    target.on('message', (data: unknown) => this.#receive(data));
  }

  post(message: unknown): void {
    // The first message of a turn schedules the flush; the check phase runs after this turn's callbacks and
    // microtasks, so everything they send joins it.
    if (this.#queue.push(message) === 1) setImmediate(this.#flush);
  }

  /** Every message the other side posted, one at a time and in order (batches unpacked). */
  onMessage(listener: (data: unknown) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** comlink's view of this port. */
  endpoint(): Endpoint {
    const handlers = new Map<Listener, () => void>();
    return {
      postMessage: (message: unknown) => this.post(message),
      addEventListener: (_type: string, handler: Listener) => {
        const deliver = (data: unknown): void => {
          const event = { data } as Parameters<Extract<Listener, (...args: never[]) => unknown>>[0];
          if (typeof handler === 'function') handler(event);
          else handler.handleEvent(event);
        };
        handlers.set(handler, this.onMessage(deliver));
      },
      removeEventListener: (_type: string, handler: Listener) => {
        handlers.get(handler)?.();
        handlers.delete(handler);
      },
    };
  }

  readonly #flush = (): void => {
    const queue = this.#queue;
    this.#queue = [];
    this.target.postMessage(queue.length === 1 ? queue[0] : ({ [BATCH_TAG]: queue } satisfies Batch));
  };

  #receive(data: unknown): void {
    const messages = isBatch(data) ? data[BATCH_TAG] : [data];
    for (const message of messages) for (const listener of this.#listeners) listener(message);
  }
}

const BATCH_TAG = 'zkit:batch';

/** comlink's listener type, without pulling the DOM library into a Node package. */
type Listener = Parameters<Endpoint['addEventListener']>[1];

interface Batch {
  readonly [BATCH_TAG]: readonly unknown[];
}

function isBatch(data: unknown): data is Batch {
  return (
    typeof data === 'object' && data !== null && Array.isArray((data as Record<string, unknown>)[BATCH_TAG])
  );
}
