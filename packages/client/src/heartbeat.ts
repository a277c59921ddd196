/**
 * The main thread's side of the stall watchdog: a timer bumps a shared counter. The timer only fires when the
 * event loop turns, which is exactly the life the worker watches for.
 */
export class Heartbeat {
  readonly buffer = new SharedArrayBuffer(4);
  readonly #beats = new Int32Array(this.buffer);
  readonly #timer: NodeJS.Timeout;

  constructor(readonly interval: number) {
    this.#timer = setInterval(() => Atomics.add(this.#beats, 0, 1), interval);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Beat often enough that a stall is seen within a quarter of its timeout, and not more than 4 times a second. */
export function heartbeatInterval(stallTimeout: number): number {
  return stallTimeout <= 0 ? 1000 : Math.max(250, Math.min(1000, Math.floor(stallTimeout / 4)));
}
