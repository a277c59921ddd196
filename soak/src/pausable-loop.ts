import { Sleeper } from './sleep.js';

/**
 * A writer's loop that an audit can pause: one step at a time, `interval` ms apart. pause() resolves once no step is
 * in flight, and none starts until resume(); the audit then reads a truth nobody is changing.
 */
export class PausableLoop {
  #paused = false;
  #stopped = false;
  #inFlight: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #resume: (() => void) | undefined;
  readonly #sleeper = new Sleeper();

  constructor(
    private readonly step: () => Promise<void>,
    private readonly interval: number,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

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

  /** Ends the loop after the step in flight, if any. */
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
      this.#inFlight = this.step();
      await this.#inFlight;
      this.#inFlight = undefined;
      if (!this.#stopped && !this.#paused) await this.#sleeper.sleep(this.interval);
    }
  }
}
