import { type Failure, fromWire, type ZkError } from '@zkit/protocol';
import type { Logger } from 'pino';
import { type Subscription, subscription } from './views/subscription.js';

/**
 * Something that went wrong later, away from any call the application made, so no promise of its can reject:
 * - `registration`: a registration could not be restored after a new session (another session holds the address,
 *   or NO_AUTH); `path` is the registration's node.
 * - `watch`: a view's watch could not be kept; its views ended with `error` (see `view.error`).
 * - `session`: the session itself failed for good (e.g. AUTH_FAILED).
 * - `worker`: the session worker failed (e.g. a replacement worker could not be started).
 */
export interface ZkFailure {
  readonly kind: 'registration' | 'watch' | 'session' | 'worker';
  readonly path?: string;
  readonly error: ZkError;
}

export type FailureListener = (failure: ZkFailure) => void;

/** A failure event as it crossed the thread boundary, with its error rebuilt (class and code). */
export function failureFromWire(failure: Failure): ZkFailure {
  return {
    kind: failure.kind,
    ...(failure.path === undefined ? {} : { path: failure.path }),
    error: fromWire(failure.error),
  };
}

/** The application's failure listeners. A listener that throws is logged; the others still hear of the failure. */
export class FailureListeners {
  readonly #listeners = new Set<FailureListener>();

  constructor(private readonly log: Logger) {}

  add(listener: FailureListener): Subscription {
    this.#listeners.add(listener);
    return subscription(() => this.#listeners.delete(listener));
  }

  emit(failure: ZkFailure): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(failure);
      } catch (error) {
        this.log.error({ err: error, failure: failure.kind, path: failure.path }, 'failure listener threw');
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
