import { abortedError, type ZkError } from '@zkit/protocol';
import { type Deferred, deferred } from '../deferred.js';
import type { Client } from './ops.js';

/**
 * Where calls wait for a client that can take requests: open while a session is up (through mere disconnects,
 * when node-zookeeper-client queues requests itself), shut from an expiry until the next session, and failed for
 * good once the session is closed or its credentials were refused.
 */
export class ReadyGate {
  #ready: Deferred<Client> = deferred();
  #open = false;
  #final: ZkError | undefined;

  /** Resolves with the client; rejects with the final error, or ABORTED as soon as `signal` fires. */
  wait(signal?: AbortSignal): Promise<Client> {
    if (this.#final) return Promise.reject(this.#final);
    if (signal === undefined) return this.#ready.promise;
    if (signal.aborted) return Promise.reject(abortedError());
    return new Promise<Client>((resolve, reject) => {
      const onAbort = () => reject(abortedError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.#ready.promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
    });
  }

  open(client: Client): void {
    if (this.#final) return;
    this.#ready.resolve(client);
    this.#open = true;
  }

  /** Callers wait for the next client from now on; callers already waiting keep waiting. */
  shut(): void {
    if (!this.#open || this.#final) return;
    this.#ready = deferred();
    this.#open = false;
  }

  /** Every waiter, now and later, gets `error`. */
  fail(error: ZkError): void {
    if (this.#final) return;
    this.#final = error;
    this.shut();
    this.#ready.reject(error);
    this.#ready.promise.catch(() => {});
  }
}

/**
 * The two gates of a session: `ready` for requests that node-zookeeper-client may queue through a disconnect,
 * `live` for requests that must go out on a live connection or not at all (see Session.connected).
 */
export class SessionGates {
  readonly ready = new ReadyGate();
  readonly live = new ReadyGate();

  connected(client: Client): void {
    this.ready.open(client);
    this.live.open(client);
  }

  /** The connection dropped; the library queues requests until it is back. */
  disconnected(): void {
    this.live.shut();
  }

  /** The session is gone: wait for the next one. */
  expired(): void {
    this.ready.shut();
    this.live.shut();
  }

  /** Closed, or the credentials were refused: every waiter, now and later, gets `error`. */
  fail(error: ZkError): void {
    this.ready.fail(error);
    this.live.fail(error);
  }
}
