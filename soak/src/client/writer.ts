import { isZkError, type Properties } from '@zkit/client';
import { Sleeper } from '../sleep.js';
import { writeOutcome } from '../write-outcome.js';
import { send } from './channel.js';

/**
 * Increments this process's counter key in the shared config node with update() (a compare-and-set merge), one
 * at a time, and tells the soak before each attempt and after each outcome. A failed attempt is retried with the
 * same value, so an attempt whose outcome was unknown can only ever leave the key at that value, never skip one.
 */
export class CounterWriter {
  #acked = 0;
  #paused = false;
  #stopped = false;
  #inFlight: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #resume: (() => void) | undefined;
  readonly #sleeper = new Sleeper();

  constructor(
    private readonly view: Properties,
    private readonly key: string,
    private readonly interval: number,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Resolves when no update is in flight, and none starts until resume(). */
  async pause(): Promise<void> {
    this.#paused = true;
    this.#sleeper.cancel();
    await this.#inFlight;
  }

  resume(): void {
    this.#paused = false;
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  /** Ends the loop after the update in flight, if any. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.pause();
    this.resume();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (this.#paused) {
        await new Promise<void>((resolve) => {
          this.#resume = resolve;
        });
        continue;
      }
      this.#inFlight = this.#attempt();
      await this.#inFlight;
      this.#inFlight = undefined;
      if (!this.#stopped && !this.#paused) await this.#sleeper.sleep(this.interval);
    }
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
