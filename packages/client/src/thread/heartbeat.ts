import { beat, heartbeatBuffer } from '@zkit/protocol';

/**
 * The main thread's side of the stall watchdog: a timer beats the shared counter. The timer only fires when the
 * event loop turns, which is exactly the life the worker watches for.
 */
export class Heartbeat {
  readonly buffer = heartbeatBuffer();
  readonly #beats = new Int32Array(this.buffer);
  readonly #timer: NodeJS.Timeout;

  constructor(readonly interval: number) {
    this.#timer = setInterval(() => beat(this.#beats), interval);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
