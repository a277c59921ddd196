/**
 * Which instances are down after errors: Apache Curator's DownInstancePolicy (x-discovery's DownInstanceManager),
 * with its one `timeout` split in two. Curator counts errors from an instance's first error; once the count reaches
 * `errorThreshold` the instance is left out until its record is purged, `timeout` after that first error (purges
 * run at most every `timeout / 2`, so up to 1.5 × `timeout`). Here:
 *
 * - errors are counted within `errorWindow` of the first one (a fixed window, as Curator's; an error after it
 *   starts a new window at 1);
 * - the error that reaches `downAfterErrors` takes the instance down for `downFor` from that error. Curator's
 *   down time runs from the first error, so errors at 0 s and 29 s there leave it down for 1 to 15 s;
 * - errors noted while down neither count nor extend it (calls started before it went down still fail); once
 *   `downFor` is over the instance is back with no errors;
 * - expiry is exact, not purged lazily;
 * - keyed by instance id, not by the whole instance: a view hands out a new object when an instance's data
 *   changes, and that is still the same endpoint (Curator's `equals` would start it afresh).
 *
 * Pure: every method takes the time. Memory stays bounded: a record is dropped once its window or down time is
 * over (by `prune`, and by `noteError` at most every half window), and `prune` drops the records of ids the view
 * no longer lists.
 */
import type { Instance } from './instance.js';

/** Curator's DownInstancePolicy, as a provider's options name it. */
export interface DownPolicy {
  /** Errors within `errorWindow` that take an instance down (Curator: errorThreshold). */
  readonly downAfterErrors: number;
  /** ms from an instance's first error during which its errors are counted. */
  readonly errorWindow: number;
  /** ms an instance stays down (Curator: timeout). */
  readonly downFor: number;
}

interface ErrorRecord {
  /** When the first error of the current window was noted. */
  readonly since: number;
  errors: number;
  /** Set once the instance is down: when it is back. */
  downUntil: number | undefined;
}

export class DownInstances {
  readonly #records = new Map<string, ErrorRecord>();
  #lastPurge = Number.NEGATIVE_INFINITY;
  #version = 0;

  constructor(private readonly policy: DownPolicy) {}

  /** How many ids have a record (errors in a window, or down): for tests of bounded memory. */
  get size(): number {
    return this.#records.size;
  }

  /** Changes whenever an instance goes down: what was up may not be any more. (Coming back is by the time.) */
  get version(): number {
    return this.#version;
  }

  noteError(id: string, now: number): void {
    this.#purgeNowAndThen(now);
    let record = this.#records.get(id);
    if (record !== undefined && this.#expired(record, now)) record = undefined;
    if (record?.downUntil !== undefined) return;
    if (record === undefined) {
      record = { since: now, errors: 0, downUntil: undefined };
      this.#records.set(id, record);
    }
    record.errors += 1;
    if (record.errors >= this.policy.downAfterErrors) {
      record.downUntil = now + this.policy.downFor;
      this.#version += 1;
    }
  }

  isDown(id: string, now: number): boolean {
    const downUntil = this.#records.get(id)?.downUntil;
    return downUntil !== undefined && now < downUntil;
  }

  /** When the next instance that is down at `now` comes back; Infinity when none is down. */
  nextReturn(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const { downUntil } of this.#records.values()) {
      if (downUntil !== undefined && downUntil > now && downUntil < next) next = downUntil;
    }
    return next;
  }

  /**
   * Drops the records that are over, and those of ids not in `listed` (the view's instances): an instance that
   * left and comes back starts with no errors, as a new registration would in Curator (a new registration time
   * makes it another instance there).
   */
  prune(listed: readonly Instance[], now: number): void {
    this.#purge(now);
    if (this.#records.size === 0) return;
    // Usually every record's id is listed: count them before building a set of the whole view.
    let present = 0;
    for (const instance of listed) if (this.#records.has(instance.id)) present += 1;
    if (present === this.#records.size) return;
    const ids = new Set(listed.map((instance) => instance.id));
    for (const id of this.#records.keys()) if (!ids.has(id)) this.#records.delete(id);
  }

  /**
   * Errors noted against ids no pick ever sees (a caller's stale instance) would otherwise stay until the next
   * prune: like Curator, drop the records that are over at most every half window, so the cost stays O(1) per
   * error however many instances fail at once.
   */
  #purgeNowAndThen(now: number): void {
    if (now - this.#lastPurge >= Math.min(this.policy.errorWindow, this.policy.downFor) / 2) this.#purge(now);
  }

  #purge(now: number): void {
    this.#lastPurge = now;
    for (const [id, record] of this.#records) if (this.#expired(record, now)) this.#records.delete(id);
  }

  #expired(record: ErrorRecord, now: number): boolean {
    return record.downUntil === undefined
      ? now - record.since >= this.policy.errorWindow
      : now >= record.downUntil;
  }
}
