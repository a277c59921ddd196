import type { Worker } from 'node:worker_threads';
import {
  closedError,
  exponentialBackoff,
  type SessionHandle,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerEvent,
} from '@zkit/worker';
import type { Logger } from 'pino';
import type { Heartbeat } from './heartbeat.js';
import type { ResolvedOptions } from './options.js';
import type { WorkerCall } from './worker-handle.js';
import { WorkerHandle } from './worker-handle.js';

export interface SupervisorHooks {
  onEvent(event: WorkerEvent): void;
  onState(state: 'connecting'): void;
  /** Gives a replacement worker what the dead one held (registrations, watches). */
  restore(handle: WorkerHandle): Promise<void>;
}

/** How long close() waits for the worker to end the session before terminating it anyway. */
const CLOSE_GRACE_MS = 3000;

/**
 * Keeps one live worker. When a worker dies, the next one resumes the same ZooKeeper session (its id and password
 * came with every `connected` event), so registrations never blink; if the session is gone by then, the worker
 * starts a new one and restores them.
 */
export class WorkerSupervisor {
  #current: Promise<WorkerHandle> | undefined;
  #handle: WorkerHandle | undefined;
  #session: SessionHandle | undefined;
  readonly #ownSessions: string[] = [];
  #stopped = false;
  readonly #retry = exponentialBackoff({ initial: 100, max: 5000 });

  constructor(
    private readonly options: ResolvedOptions,
    private readonly heartbeat: Heartbeat,
    private readonly log: Logger,
    private readonly hooks: SupervisorHooks,
  ) {}

  /** The live worker thread, if any (fault injection in tests). */
  get thread(): Worker | undefined {
    return this.#handle?.alive ? this.#handle.thread : undefined;
  }

  get session(): SessionHandle | undefined {
    return this.#session;
  }

  async start(): Promise<void> {
    const handle = await this.#spawn();
    this.#current = Promise.resolve(handle);
  }

  readonly call: WorkerCall = (invoke) => {
    if (this.#stopped || !this.#current) return Promise.reject(closedError());
    return this.#current.then((handle) => handle.call(invoke));
  };

  /** A one-way command to the live worker; dropped while none is (a replacement starts without that state). */
  send(command: WorkerCommand): void {
    if (!this.#stopped) this.#handle?.send(command);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const handle = this.#handle;
    if (!handle) return;
    const closing = handle.call((api) => api.close()).catch(() => {});
    const timer = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
    await Promise.race([closing, timer]);
    await handle.terminate(closedError());
  }

  async #spawn(): Promise<WorkerHandle> {
    const handle = new WorkerHandle({
      onEvent: (event) => this.#onEvent(event),
      onCrash: (error) => this.#onCrash(handle, error),
      onPortError: (error) =>
        this.log.error({ err: error }, 'a message to or from the ZooKeeper worker failed'),
    });
    this.#handle = handle;
    try {
      await handle.call((api) => api.start(this.#config()));
    } catch (error) {
      await handle.terminate(closedError());
      throw error;
    }
    return handle;
  }

  #config(): WorkerConfig {
    const o = this.options;
    return {
      connectionString: o.connectionString,
      sessionTimeout: o.sessionTimeout,
      connectTimeout: o.connectTimeout,
      stallTimeout: o.stallTimeout,
      maxDataBytes: o.maxDataBytes,
      incrementalChildrenFrom: o.incrementalChildrenFrom,
      auth: o.auth,
      registrationAcl: o.registrationAcl,
      parentAcl: o.parentAcl,
      heartbeat: this.heartbeat.buffer,
      heartbeatInterval: this.heartbeat.interval,
      minimumLogSeverity: this.log.levelVal,
      ownSessions: this.#ownSessions,
      ...(this.#session ? { resume: this.#session } : {}),
    };
  }

  #onEvent(event: WorkerEvent): void {
    if (event.type === 'state' && event.session) {
      this.#session = event.session;
      if (!this.#ownSessions.includes(event.session.id)) this.#ownSessions.push(event.session.id);
    }
    this.hooks.onEvent(event);
  }

  #onCrash(handle: WorkerHandle, error: Error): void {
    if (this.#stopped || handle !== this.#handle) return;
    this.log.error({ err: error }, 'ZooKeeper worker died; starting a new one to resume the session');
    this.hooks.onState('connecting');
    this.#current = this.#replace();
    this.#current.catch(() => {});
  }

  async #replace(): Promise<WorkerHandle> {
    for (let attempt = 1; ; attempt++) {
      if (this.#stopped) throw closedError();
      try {
        const handle = await this.#spawn();
        await this.hooks.restore(handle);
        this.log.info({ attempt }, 'new ZooKeeper worker took over');
        return handle;
      } catch (error) {
        if (this.#stopped) throw closedError();
        const wait = this.#retry(attempt) ?? 5000;
        this.log.warn({ err: error, attempt, wait }, 'replacement worker failed to start; retrying');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
