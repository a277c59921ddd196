import type { WriteOutcome } from './protocol.js';

/**
 * What the soak knows of one process's counter key, from the process's own reports: each attempt is announced
 * ('writing n', sent before update() is called) and its outcome reported ('acked n' or 'write-failed n').
 *
 * The rule checked at the end (figure 4): ZooKeeper's value of the key equals `acked`, or `acked + 1` when that
 * next value may have been applied: an attempt of it was in flight when the process died, or failed with an error
 * whose outcome is unknown (see write-outcome.ts). A failed value is retried as is, and merging the same value twice
 * changes nothing, so no other value is possible unless zkit lost an acknowledged write or applied one it said it
 * had not.
 */
export class Counter {
  acked = 0;
  attempts = 0;
  readonly failures = new Map<string, number>();
  #next: number | undefined;
  #inFlight = false;
  #unknown = false;

  onWriting(n: number): void {
    if (this.#next !== n) {
      this.#next = n;
      this.#unknown = false;
    }
    this.#inFlight = true;
    this.attempts++;
  }

  onAcked(n: number): void {
    this.acked = Math.max(this.acked, n);
    this.#next = undefined;
    this.#inFlight = false;
    this.#unknown = false;
  }

  onFailed(n: number, code: string, outcome: WriteOutcome): void {
    if (this.#next === n) {
      this.#inFlight = false;
      if (outcome === 'unknown') this.#unknown = true;
    }
    this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
  }

  /** The value whose outcome is unknown, if any. */
  get maybe(): number | undefined {
    return this.#next !== undefined && (this.#inFlight || this.#unknown) ? this.#next : undefined;
  }

  /**
   * Writes lost (ZooKeeper holds less than was acknowledged) plus writes that appeared unannounced (more than was
   * acknowledged, beyond the one value whose outcome is unknown). 0 when the rule holds.
   */
  check(value: number): { lost: number; unexpected: number } {
    const highest = this.maybe ?? this.acked;
    return { lost: Math.max(0, this.acked - value), unexpected: Math.max(0, value - highest) };
  }
}
