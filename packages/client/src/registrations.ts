import { encodeJsonObject, isPlainObject, type RegisterRequest, type ZkError, zkError } from '@zkit/worker';
import type { Logger } from 'pino';
import { Registration } from './registration.js';
import type { WorkerCall } from './worker-handle.js';

/** Data for a registration: any plain JSON object; `pid` is always set (see RegisterOptions.pid). */
export type ServerData = Readonly<Record<string, unknown>>;

export interface RegisterOptions {
  /**
   * The pid of the process that serves the address, written as `pid`. Set it only when registering on behalf of
   * another process (the PM2 plugin does); whatever `data.pid` says is overwritten with it. @default process.pid
   */
  readonly pid?: number;
}

/**
 * This client's registrations, as the main thread remembers them: a replacement worker is handed these, so a
 * worker's death loses none.
 */
export class Registrations {
  readonly #requests = new Map<string, RegisterRequest>();

  constructor(
    private readonly call: WorkerCall,
    private readonly maxDataBytes: number,
    private readonly log: Logger,
  ) {}

  /** Every registration, for a replacement worker. */
  requests(): RegisterRequest[] {
    return [...this.#requests.values()];
  }

  async register(nodePath: string, data: ServerData, options: RegisterOptions): Promise<Registration> {
    const request = this.#request(nodePath, data, options);
    if (this.#requests.has(nodePath)) {
      throw zkError('NODE_EXISTS', `${nodePath} is already registered by this client`, { path: nodePath });
    }
    this.#requests.set(nodePath, request.request);
    try {
      await this.call((api) => api.registerServer(request.request));
    } catch (error) {
      this.#requests.delete(nodePath);
      if ((error as ZkError).code === 'WORKER_CRASHED') this.#discard(nodePath);
      throw error;
    }
    let pid = request.data.pid;
    return new Registration(nodePath, request.data, {
      remove: (path) => this.#unregister(path),
      update: async (path, next, overrides) => {
        const written = await this.#update(path, next, { pid: overrides.pid ?? pid });
        pid = written.pid;
        return written;
      },
    });
  }

  #request(nodePath: string, data: ServerData, options: RegisterOptions) {
    if (!isPlainObject(data)) {
      throw zkError('INVALID_DATA', 'registration data must be a plain object', { path: nodePath });
    }
    const pid = options.pid ?? process.pid;
    if (!Number.isSafeInteger(pid) || pid <= 0) {
      throw zkError('INVALID_OPTION', 'option pid must be a positive integer', { path: nodePath });
    }
    const full: ServerData & { pid: number } = Object.freeze({ ...data, pid });
    return {
      data: full,
      request: { path: nodePath, data: encodeJsonObject(full, this.maxDataBytes, nodePath) },
    };
  }

  async #update(
    path: string,
    data: ServerData,
    options: RegisterOptions,
  ): Promise<ServerData & { pid: number }> {
    if (!this.#requests.has(path)) throw zkError('NO_NODE', `${path} is not registered`, { path });
    const next = this.#request(path, data, options);
    await this.call((api) => api.updateRegistration(next.request));
    this.#requests.set(path, next.request);
    return next.data;
  }

  async #unregister(path: string): Promise<void> {
    await this.call((api) => api.unregister(path));
    this.#requests.delete(path);
  }

  /** The worker died mid-create: the caller was told it failed, so the node must not stay if it was made. */
  #discard(path: string): void {
    this.call((api) => api.discardRegistration(path)).catch((error: unknown) =>
      this.log.warn({ err: error, path }, 'could not check for a half-made registration'),
    );
  }
}
