import { type JsonObject, type RegisterRequest, type ZkError, zkError } from '@zkit/protocol';
import type { Logger } from 'pino';
import { type AbortableCalls, type CallOptions, checkSignal, raceSignal } from '../thread/abortable.js';
import type { WorkerCall } from '../thread/worker-handle.js';
import { type RegisterOptions, Registration } from './registration.js';
import { type RegistrationCodec, serverCodec } from './registration-codec.js';

/**
 * This client's registrations, as the main thread remembers them: a replacement worker is handed these, so a
 * worker's death loses none. A registration given up through its AbortSignal is forgotten at once (a replacement
 * must not adopt it), and taken back in the worker if it was placed before the abort got there.
 */
export class RegistrationList {
  readonly #requests = new Map<string, RegisterRequest>();
  /** Aborted registrations being taken back: registering the same path again waits for that first. */
  readonly #withdrawing = new Map<string, Promise<void>>();

  /** `calls` carries the application's calls; `call` zkit's own (undoing, checking), which nothing aborts. */
  constructor(
    private readonly calls: AbortableCalls,
    private readonly call: WorkerCall,
    private readonly maxDataBytes: number,
    private readonly log: Logger,
  ) {}

  /** Every registration, for a replacement worker. */
  requests(): RegisterRequest[] {
    return [...this.#requests.values()];
  }

  /** `options` as the caller gave them: checked here (a zc.zk-style data object is refused, see registerOptions). */
  async register(nodePath: string, options: unknown): Promise<Registration> {
    const checked = registerOptions(options, nodePath);
    return this.add(nodePath, serverCodec, {
      data: checked.data === undefined ? {} : checked.data,
      options: checked,
    });
  }

  /**
   * Registers `nodePath` holding `first.data` as `codec` encodes it (`first.options.signal` gives it up); the
   * Registration keeps the codec, so its updates and a replacement worker write the same format.
   */
  async add<Data, Options extends CallOptions>(
    nodePath: string,
    codec: RegistrationCodec<Data, Options>,
    first: { readonly data: unknown; readonly options?: Options },
  ): Promise<Registration<Data, Options>> {
    const request = this.#request(nodePath, codec, first.data, first.options, undefined);
    const signal = checkSignal(first.options?.signal);
    const withdrawing = this.#withdrawing.get(nodePath);
    if (withdrawing) await raceSignal(signal, withdrawing);
    if (this.#requests.has(nodePath)) {
      throw zkError('NODE_EXISTS', `${nodePath} is already registered by this client`, { path: nodePath });
    }
    this.#requests.set(nodePath, request.request);
    try {
      await this.calls.run(signal, (api, call) => api.registerServer(request.request, call), {
        abandoned: (work) => this.#withdraw(nodePath, request.request, work),
      });
    } catch (error) {
      if (this.#requests.get(nodePath) === request.request) {
        this.#requests.delete(nodePath);
        if ((error as ZkError).code === 'WORKER_CRASHED') this.#discard(nodePath);
      }
      throw error;
    }
    let current = request.data;
    return new Registration<Data, Options>(nodePath, current, {
      remove: (path) => this.#unregister(path),
      update: async (path, next, options) => {
        const written = await this.#update(path, codec, next, options, current);
        current = written;
        return written;
      },
    });
  }

  #request<Data, Options extends CallOptions>(
    nodePath: string,
    codec: RegistrationCodec<Data, Options>,
    data: unknown,
    options: Options | undefined,
    previous: Data | undefined,
  ): { data: Data; request: RegisterRequest } {
    const encoded = codec.encode(data, options, {
      path: nodePath,
      maxDataBytes: this.maxDataBytes,
      previous,
    });
    const request: RegisterRequest =
      codec.parents === 'persistent'
        ? { path: nodePath, data: encoded.json }
        : { path: nodePath, data: encoded.json, parents: codec.parents };
    return { data: encoded.data, request };
  }

  async #update<Data, Options extends CallOptions>(
    path: string,
    codec: RegistrationCodec<Data, Options>,
    data: JsonObject,
    options: Options | undefined,
    previous: Data,
  ): Promise<Data> {
    if (!this.#requests.has(path)) throw zkError('NO_NODE', `${path} is not registered`, { path });
    const next = this.#request(path, codec, data, options, previous);
    // What the worker wrote is what a replacement must restore, even when the caller gave up waiting for it.
    const remember = () => {
      if (this.#requests.has(path)) this.#requests.set(path, next.request);
    };
    await this.calls.run(options?.signal, (api, call) => api.updateRegistration(next.request, call), {
      abandoned: (work) => work.then(remember, ignore),
    });
    remember();
    return next.data;
  }

  async #unregister(path: string): Promise<void> {
    try {
      await this.calls.run(undefined, (api) => api.unregister(path));
    } catch (error) {
      // Closed: the session ends with the client, and ZooKeeper deletes its ephemeral nodes with it.
      if ((error as ZkError).code !== 'CLOSED') throw error;
    }
    this.#requests.delete(path);
  }

  /**
   * The caller gave up on registering `path`: forget it now, so no replacement worker adopts it, and take the node
   * back if the worker placed it before the abort reached it (or check for a half-made one if the worker died).
   */
  #withdraw(path: string, request: RegisterRequest, work: Promise<void>): void {
    if (this.#requests.get(path) === request) this.#requests.delete(path);
    const done = work
      .then(
        () => this.call((api) => api.unregister(path)),
        async (error: unknown) => {
          if ((error as ZkError).code === 'WORKER_CRASHED') {
            await this.call((api) => api.discardRegistration(path));
          }
        },
      )
      .catch((error: unknown) => {
        if ((error as ZkError).code === 'CLOSED') return;
        this.log.warn({ err: error, path }, 'could not take back an aborted registration');
      })
      .finally(() => {
        if (this.#withdrawing.get(path) === done) this.#withdrawing.delete(path);
      });
    this.#withdrawing.set(path, done);
  }

  /** The worker died mid-create: the caller was told it failed, so the node must not stay if it was made. */
  #discard(path: string): void {
    this.call((api) => api.discardRegistration(path)).catch((error: unknown) =>
      this.log.warn({ err: error, path }, 'could not check for a half-made registration'),
    );
  }
}

const REGISTER_OPTIONS = new Set(['data', 'pid', 'signal']);

/**
 * The options of registerServer/registerProcess, checked before anything is registered. zc.zk takes the node's data
 * as the third argument; such an object (keys other than `data`, `pid` and `signal`) is refused, rather than
 * registered without its data.
 */
function registerOptions(options: unknown, path: string): RegisterOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw zkError('INVALID_OPTION', 'registration options must be an object: { data?, pid?, signal? }', {
      path,
    });
  }
  const unknown = Object.keys(options).filter((key) => !REGISTER_OPTIONS.has(key));
  if (unknown.length > 0) {
    const keys = unknown.map((key) => JSON.stringify(key)).join(', ');
    throw zkError(
      'INVALID_OPTION',
      `registration options are { data?, pid?, signal? }, not ${keys}: pass the node's data as { data: {...} }`,
      { path },
    );
  }
  return options;
}

function ignore(): void {}
