/**
 * Counts what crosses from zkit's worker to the main thread.
 *
 *   worker thread ── postMessage (comlink replies, tagged events, log records) ──▶ main thread
 *                                                                    ▲
 *                                       BoundaryMeter: a listener placed before zkit's own
 *
 * Each message is measured as its structured-clone size, `v8.serialize(message).length`: the same serializer
 * postMessage uses, so it is the size of what was copied between the threads. Serializing costs main-thread time,
 * so a meter is switched on only around the operations it measures, never while latency is being timed.
 */
import { serialize } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import type { ZooKeeper } from '@zkit/client';
import { workerThread } from '@zkit/client/internal';

export interface BoundaryCount {
  readonly messages: number;
  readonly bytes: number;
  /** performance.now() of the last message's arrival (before zkit handled it), or undefined. */
  readonly lastArrival: number | undefined;
}

export class BoundaryMeter {
  #messages = 0;
  #bytes = 0;
  #lastArrival: number | undefined;
  readonly #listener = (message: unknown): void => {
    this.#lastArrival = performance.now();
    this.#messages++;
    this.#bytes += serialize(message).length;
  };

  private constructor(private readonly thread: Worker) {
    // Prepended, so the arrival time is taken before zkit's handler applies the event and runs callbacks.
    thread.prependListener('message', this.#listener);
  }

  static attach(zk: ZooKeeper): BoundaryMeter {
    const thread = workerThread(zk);
    if (!thread) throw new Error('zkit has no live worker thread to measure');
    return new BoundaryMeter(thread);
  }

  /** Zeroes the counters; returns what they held. */
  take(): BoundaryCount {
    const count = { messages: this.#messages, bytes: this.#bytes, lastArrival: this.#lastArrival };
    this.#messages = 0;
    this.#bytes = 0;
    this.#lastArrival = undefined;
    return count;
  }

  detach(): void {
    this.thread.off('message', this.#listener);
  }
}
