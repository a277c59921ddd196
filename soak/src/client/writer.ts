import { isZkError, type Properties } from '@zkit/client';
import { PausableLoop } from '../pausable-loop.js';
import { writeOutcome } from '../write-outcome.js';
import { send } from './channel.js';

/**
 * Increments this process's counter key in the shared config node with update() (a compare-and-set merge), one
 * at a time, and tells the soak before each attempt and after each outcome. A failed attempt is retried with the
 * same value, so an attempt whose outcome was unknown can only ever leave the key at that value, never skip one.
 */
export class CounterWriter {
  #acked = 0;
  readonly #loop: PausableLoop;

  constructor(
    private readonly view: Properties,
    private readonly key: string,
    interval: number,
  ) {
    this.#loop = new PausableLoop(() => this.#attempt(), interval);
  }

  start(): void {
    this.#loop.start();
  }

  /** Resolves when no update is in flight, and none starts until resume(). */
  pause(): Promise<void> {
    return this.#loop.pause();
  }

  resume(): void {
    this.#loop.resume();
  }

  /** Ends the loop after the update in flight, if any. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  async #attempt(): Promise<void> {
    const n = this.#acked + 1;
    // Awaited: if this process is SIGKILLed during the update, the soak already knows the attempt may have landed.
    await send({ type: 'writing', n });
    try {
      await this.view.update({ [this.key]: n });
      this.#acked = n;
      void send({ type: 'acked', n });
    } catch (error) {
      const code = isZkError(error) ? error.code : 'UNKNOWN';
      void send({ type: 'write-failed', n, code, outcome: writeOutcome(code) });
    }
  }
}
