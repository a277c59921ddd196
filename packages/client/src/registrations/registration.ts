import { abortedError } from '@zkit/protocol';
import { type CallOptions, checkSignal, raceSignal } from '../thread/abortable.js';
import type { RegisterOptions, ServerData } from './registration-list.js';

export interface RegistrationOps {
  remove(path: string): Promise<void>;
  update(path: string, data: ServerData, options: RegisterOptions): Promise<ServerData>;
}

/** One registration's node: `path` is `parent/HOST:PORT` (or `parent/name` from `registerProcess`). */
export class Registration implements AsyncDisposable {
  #data: ServerData;
  #gone: Promise<void> | undefined;

  constructor(
    readonly path: string,
    data: ServerData,
    private readonly ops: RegistrationOps,
  ) {
    this.#data = data;
  }

  /** The data written, `pid` included. */
  get data(): ServerData {
    return this.#data;
  }

  /**
   * Replaces the node's data; `pid` is set again, to `options.pid` when given, else to the pid this registration
   * was made with. The node is swapped in one ZooKeeper transaction, so watchers of the service never see the
   * address missing; after a new session the new data is what is restored. With `signal`, an abort rejects ABORTED
   * at once and the worker writes nothing after it.
   */
  async update(data: ServerData, options: RegisterOptions = {}): Promise<void> {
    this.#data = await this.ops.update(this.path, data, options);
  }

  /**
   * Deletes the node; views of its parent in this client no longer list it when this resolves. Idempotent. After
   * the client closed (or when racing `close()`) it resolves: the node goes with the session. `signal` only stops
   * the wait: the removal itself carries on, since a withdrawn removal would leave the address taking traffic.
   */
  unregister(options: CallOptions = {}): Promise<void> {
    let signal: AbortSignal | undefined;
    try {
      signal = checkSignal(options.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(abortedError());
    // A failed attempt may be tried again; a successful one is remembered.
    this.#gone ??= this.ops.remove(this.path).catch((error: unknown) => {
      this.#gone = undefined;
      throw error;
    });
    return raceSignal(signal, this.#gone);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unregister();
  }
}
