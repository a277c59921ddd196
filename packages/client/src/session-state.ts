import type { SessionState } from '@zkit/protocol';
import type { Logger } from 'pino';
import { type Subscription, subscription } from './views/subscription.js';

/**
 * The session's state as the application sees it (`zk.state`), and the listeners of its changes. `closed` is final:
 * nothing the worker reports afterwards changes it. A listener that throws is logged; the others still run.
 */
export class SessionStateListeners {
  #state: SessionState = 'connecting';
  readonly #listeners = new Set<(state: SessionState) => void>();

  constructor(private readonly log: Logger) {}

  get current(): SessionState {
    return this.#state;
  }

  add(listener: (state: SessionState) => void): Subscription {
    this.#listeners.add(listener);
    return subscription(() => this.#listeners.delete(listener));
  }

  set(state: SessionState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        this.log.error({ err: error, state }, 'state listener threw');
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
