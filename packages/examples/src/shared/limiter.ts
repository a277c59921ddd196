/**
 * At most `limit` tasks at once; the rest wait in order. This is what a service's `threads` setting means for a
 * Node server: how many requests it works on together. Changing `limit` takes effect at once.
 */
export class Limiter {
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(private max: number) {}

  get limit(): number {
    return this.max;
  }

  set limit(value: number) {
    this.max = value;
    this.#startWaiting();
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#startWaiting();
    }
  }

  #startWaiting(): void {
    while (this.#active < this.max) {
      const next = this.#queue.shift();
      if (next === undefined) return;
      this.#active++;
      next();
    }
  }
}
