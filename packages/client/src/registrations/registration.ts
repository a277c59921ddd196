import type { JsonObject } from '@zkit/protocol';
import { type CallOptions, liveSignal, raceSignal } from '../thread/abortable.js';

/** Options of `zk.registerServer()` and `zk.registerProcess()`. */
export interface RegisterOptions {
  /**
   * What the node holds, as JSON: any plain JSON object. `pid` is added to it (see `pid`).
   * @default {}
   */
  readonly data?: JsonObject;
  /**
   * The pid of the process that serves the address, written as `pid`. Set it only when registering on behalf of
   * another process (the PM2 plugin does); whatever `data.pid` says is overwritten with it.
   * @default process.pid
   */
  readonly pid?: number;
  /**
   * Gives the registration up when it fires: the call rejects at once with code `ABORTED`, the registration is not
   * made later, and it is taken back if the worker had already made it.
   * @default undefined (the call waits as long as it takes)
   */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `registration.update()`: the new data is its first argument. */
export type RegistrationUpdateOptions = Omit<RegisterOptions, 'data'>;

/** A registration node's data: the `data` given, plus `pid`. Frozen. */
export type ServerData = Readonly<JsonObject> & { readonly pid: number };

/** What a Registration asks of the client's registration list. */
export interface RegistrationOps<Data, Options> {
  remove(path: string): Promise<void>;
  update(path: string, data: JsonObject, options: Options | undefined): Promise<Data>;
}

/**
 * One registration's node: `path` is `parent/HOST:PORT` (or `parent/name` from `registerProcess`, or
 * `base/name/id` from `registerInstance`, whose `data` is the payload and whose update options are CallOptions).
 */
export class Registration<Data = ServerData, Options extends CallOptions = RegistrationUpdateOptions>
  implements AsyncDisposable
{
  #data: Data;
  #gone: Promise<void> | undefined;

  constructor(
    readonly path: string,
    data: Data,
    private readonly ops: RegistrationOps<Data, Options>,
  ) {
    this.#data = data;
  }

  /** The data written: `pid` included for registerServer/registerProcess; the payload for registerInstance. */
  get data(): Data {
    return this.#data;
  }

  /**
   * Replaces the node's data; `pid` is set again, to `options.pid` when given, else to the pid this registration
   * was made with (registerInstance: the payload is replaced, the rest of the instance stays as first written). The node is swapped in one ZooKeeper transaction, so watchers of the service never see the
   * address missing; after a new session the new data is what is restored. With `signal`, an abort rejects ABORTED
   * at once and the worker writes nothing after it.
   */
  async update(data: JsonObject, options?: Options): Promise<void> {
    this.#data = await this.ops.update(this.path, data, options);
  }

  /**
   * Deletes the node; views of its parent in this client no longer list it when this resolves. Idempotent. After
   * the client closed (or when racing `close()`) it resolves: the node goes with the session. `signal` only stops
   * the wait: the removal itself carries on, since a withdrawn removal would leave the address taking traffic.
   */
  async unregister(options: CallOptions = {}): Promise<void> {
    const signal = liveSignal(options);
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
