import { isDeepStrictEqual } from 'node:util';
import type { Instance, ServiceChange } from './instance.js';

interface Step {
  /** The instance as the subscriber last saw it (undefined: it had none by that id). */
  readonly before: Instance | undefined;
  after: Instance | undefined;
}

const NONE: readonly Instance[] = Object.freeze([]);

/**
 * The changes a subscriber has not been told yet, merged by id: only where each instance started and where it is
 * now count. Added then removed is nothing, updated twice is the last form, removed then added back unchanged is
 * nothing. Memory is bounded by the number of ids that changed, however long the subscriber takes.
 */
export class ChangeSet {
  readonly #steps = new Map<string, Step>();

  get empty(): boolean {
    return this.#steps.size === 0;
  }

  /** The instance of `id` went from `before` to `after` (undefined: absent). */
  record(id: string, before: Instance | undefined, after: Instance | undefined): void {
    const step = this.#steps.get(id);
    if (step) step.after = after;
    else this.#steps.set(id, { before, after });
  }

  /** What changed since the last take, each list sorted by id; the set is empty afterwards. */
  take(): ServiceChange {
    const added: Instance[] = [];
    const removed: Instance[] = [];
    const updated: Instance[] = [];
    const ids = [...this.#steps.keys()].sort();
    for (const id of ids) {
      const { before, after } = this.#steps.get(id) as Step;
      if (before === undefined) {
        if (after !== undefined) added.push(after);
      } else if (after === undefined) removed.push(before);
      else if (!isDeepStrictEqual(before, after)) updated.push(after);
    }
    this.#steps.clear();
    return changeOf(added, removed, updated);
  }
}

export function changeOf(
  added: readonly Instance[],
  removed: readonly Instance[] = NONE,
  updated: readonly Instance[] = NONE,
): ServiceChange {
  return Object.freeze({
    added: Object.freeze(added),
    removed: Object.freeze(removed),
    updated: Object.freeze(updated),
  });
}

export function isEmptyChange(change: ServiceChange): boolean {
  return change.added.length === 0 && change.removed.length === 0 && change.updated.length === 0;
}
