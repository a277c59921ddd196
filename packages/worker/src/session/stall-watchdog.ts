import { readBeats } from '@zkit/protocol';
import type { Log } from '../log-forward.js';

/**
 * The stall watchdog. The main thread beats a shared counter (@zkit/protocol's heartbeat.ts) on a timer; timers
 * only run when its event loop turns, so a counter that stops moving means the main thread is wedged (a CPU-bound
 * request, sync I/O, a long GC). The session itself lives here and stays alive either way; what the watchdog decides is
 * whether a wedged process should still be advertised.
 */
export interface StallHandlers {
  onStall(stalledMs: number): void;
  onRecover(stalledMs: number): void;
}

export class StallWatchdog {
  readonly #beats: Int32Array;
  #lastValue: number;
  #lastChange = performance.now();
  #stalled = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    heartbeat: SharedArrayBuffer,
    private readonly stallTimeout: number,
    private readonly checkInterval: number,
    private readonly handlers: StallHandlers,
    private readonly log: Log,
  ) {
    this.#beats = new Int32Array(heartbeat);
    this.#lastValue = readBeats(this.#beats);
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  start(): void {
    if (this.stallTimeout <= 0 || this.#timer) return;
    this.#timer = setInterval(() => this.check(), this.checkInterval);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  check(now = performance.now()): void {
    const value = readBeats(this.#beats);
    if (value !== this.#lastValue) {
      const stalledMs = now - this.#lastChange;
      this.#lastValue = value;
      this.#lastChange = now;
      if (this.#stalled) {
        this.#stalled = false;
        this.log.warn({ stalledMs: Math.round(stalledMs) }, 'main thread recovered; restoring registrations');
        this.handlers.onRecover(stalledMs);
      }
      return;
    }
    const silentMs = now - this.#lastChange;
    if (!this.#stalled && silentMs >= this.stallTimeout) {
      this.#stalled = true;
      this.log.error(
        { stalledMs: Math.round(silentMs), stallTimeout: this.stallTimeout },
        'main thread unresponsive; removing registrations so the process gets no traffic',
      );
      this.handlers.onStall(silentMs);
    }
  }
}
