import type { MessagePort, Worker } from 'node:worker_threads';
import { zkError } from './errors.js';
import { failed } from './outcome.js';

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

  /**
   * `onError` hears what this port could not do without losing the rest: a listener that threw (the other
   * messages of its batch are still delivered), or a message that could not be cloned and was dropped. By default
   * it throws, asynchronously.
   */
  constructor(
    private readonly target: Worker | MessagePort,
    private readonly onError: (error: unknown) => void = rethrowLater,
  ) {
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

  /** comlink's view of this port (what `wrap` and `expose` take). */
  endpoint(): PortEndpoint {
    const handlers = new Map<PortListener, () => void>();
    return {
      postMessage: (message: unknown, transfer?: readonly unknown[]) => {
        if (transfer === undefined || transfer.length === 0) this.post(message);
        else this.#postTransferring(message, transfer);
      },
      addEventListener: (_type: string, handler: PortListener) => {
        const deliver = (data: unknown): void => {
          const event: PortMessageEvent = { data };
          if (typeof handler === 'function') handler(event);
          else handler.handleEvent(event);
        };
        handlers.set(handler, this.onMessage(deliver));
      },
      removeEventListener: (_type: string, handler: PortListener) => {
        handlers.get(handler)?.();
        handlers.delete(handler);
      },
    };
  }

  readonly #flush = (): void => {
    const queue = this.#queue;
    if (queue.length === 0) return; // sent early, by #postTransferring
    this.#queue = [];
    try {
      this.target.postMessage(queue.length === 1 ? queue[0] : ({ [BATCH_TAG]: queue } satisfies Batch));
    } catch {
      // Something in the batch cannot be cloned: the rest must still go, each on its own.
      for (const message of queue) this.#postAlone(message);
    }
  };

  /** A message with transferables (comlink's transfer()) goes at once, after what is queued, with its list. */
  #postTransferring(message: unknown, transfer: readonly unknown[]): void {
    this.#flush();
    this.target.postMessage(message, transfer as Parameters<MessagePort['postMessage']>[1]);
  }

  #postAlone(message: unknown): void {
    try {
      this.target.postMessage(message);
    } catch (error) {
      this.#undeliverable(message, error);
    }
  }

  /**
   * A comlink call or reply that cannot cross is answered with an error in its place, so its caller does not wait
   * forever: a request by this side's own listeners, a reply by the other side's. The answer is a failed Outcome,
   * the form every zkit call resolves with (outcome.ts), sent as a plain value: comlink's `throw` handler is
   * left alone.
   */
  #undeliverable(message: unknown, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.onError(zkError('INVALID_DATA', `a message could not be sent across threads: ${reason}`));
    if (!isComlinkMessage(message)) return;
    const failure = zkError('INVALID_DATA', `the value could not be sent across threads: ${reason}`);
    const answer = { id: message.id, type: 'RAW', value: failed(failure) };
    if (COMLINK_REPLY_TYPES.has(message.type)) this.target.postMessage(answer);
    else this.#deliver(answer);
  }

  #receive(data: unknown): void {
    for (const message of isBatch(data) ? data[BATCH_TAG] : [data]) this.#deliver(message);
  }

  #deliver(message: unknown): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/** comlink's replies carry a wire value's type; its requests carry GET, SET, APPLY and the like. */
const COMLINK_REPLY_TYPES = new Set(['RAW', 'HANDLER']);

function isComlinkMessage(message: unknown): message is { readonly id: string; readonly type: string } {
  const { id, type } = (message ?? {}) as Record<string, unknown>;
  return typeof id === 'string' && typeof type === 'string';
}

function rethrowLater(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}

const BATCH_TAG = 'zkit:batch';

/** The event comlink's listeners read: only `data`. */
export interface PortMessageEvent {
  readonly data: unknown;
}

/** A listener as comlink adds one: a function, or an object with `handleEvent` (the DOM's EventListenerObject). */
export type PortListener =
  | ((event: PortMessageEvent) => void)
  | { handleEvent(event: PortMessageEvent): void };

/**
 * What comlink needs of a port: its `Endpoint`, spelled out here because comlink's own declaration needs the DOM
 * library (MessagePort, Transferable, EventListenerOrEventListenerObject), which a Node project does not load: a
 * consumer type-checking with `skipLibCheck: false` would fail on it. comlink's `wrap` and `expose` accept it.
 */
export interface PortEndpoint {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  addEventListener(type: string, listener: PortListener): void;
  removeEventListener(type: string, listener: PortListener): void;
}

interface Batch {
  readonly [BATCH_TAG]: readonly unknown[];
}

function isBatch(data: unknown): data is Batch {
  return (
    typeof data === 'object' && data !== null && Array.isArray((data as Record<string, unknown>)[BATCH_TAG])
  );
}
