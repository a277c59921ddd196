/**
 * Keeps one live session worker, and owns the only loop that replaces it.
 *
 *   start(signal) ── spawn #1 ── api.start ──▶ running ◀─────────────────────────────────────────────┐
 *      │ fails / signal fires: #1 terminated, start() rejects;                                         │
 *      │ nothing is left running (no worker, no loop, no timer)     'error'/'exit' of the current handle │
 *      ▼                                                                                  ▼             │
 *   stopped ◀── stop() from anywhere:            replacing (one loop): spawn #n ── api.start ── restore ┘
 *      the current worker ends its session          │ any step fails (a crash of #n during its own start
 *      (bounded grace), then is terminated;         │ too): #n terminated, 'connecting', a 'worker' failure,
 *      a backoff wait ends at once                  └── backoff (cleared by stop()), then #n+1
 *
 * Every handle gets an epoch; events and crashes of a handle that is no longer the newest are dropped, so a worker
 * being replaced can neither feed the mirrors nor start a second loop.
 * A new worker resumes the same ZooKeeper session (its id and password came with every `connected` event), so
 * registrations never blink; if the session is gone by then, the worker starts a new one and restores them.
 */
import type { Worker } from 'node:worker_threads';
import {
  closedError,
  exponentialBackoff,
  PROTOCOL_VERSION,
  type SessionHandle,
  toWireError,
  WORKER_CLOSE_GRACE,
  WORKER_REPLACEMENT_BACKOFF,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerEvent,
  type ZkError,
  zkError,
} from '@zkit/protocol';
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../options.js';
import type { Heartbeat } from './heartbeat.js';
import { type CreateWorker, type WorkerCall, WorkerHandle } from './worker-handle.js';

export interface SupervisorHooks {
  onEvent(event: WorkerEvent): void;
  onState(state: 'connecting'): void;
  /** Gives a replacement worker what the dead one held (registrations, watches). */
  restore(handle: WorkerHandle): Promise<void>;
  /** Makes each worker thread; unit tests pass a fake. By default, the real worker with this process's flags. */
  createWorker?: CreateWorker;
}

type Phase = 'idle' | 'starting' | 'running' | 'replacing' | 'stopped';

export class WorkerSupervisor {
  #phase: Phase = 'idle';
  /** What calls wait for: the running handle, or the replacement under way. */
  #current: Promise<WorkerHandle> | undefined;
  /** The newest handle (running, or the attempt in progress). */
  #handle: WorkerHandle | undefined;
  #epoch = 0;
  #session: SessionHandle | undefined;
  readonly #ownSessions: string[] = [];
  /** Fires on stop(): ends a backoff wait at once. */
  readonly #stopping = new AbortController();
  readonly #retry = exponentialBackoff(WORKER_REPLACEMENT_BACKOFF);

  constructor(
    private readonly options: ResolvedOptions,
    private readonly heartbeat: Heartbeat,
    private readonly log: Logger,
    private readonly hooks: SupervisorHooks,
  ) {
    // A session held before (ConnectOptions.resume): the first worker resumes it like a replacement would.
    this.#session = options.resume;
    if (options.resume) this.#ownSessions.push(options.resume.id);
  }

  /** The live worker thread, if any (fault injection in tests). */
  get thread(): Worker | undefined {
    return this.#handle?.alive ? this.#handle.thread : undefined;
  }

  get session(): SessionHandle | undefined {
    return this.#session;
  }

  /**
   * Starts the first worker and its session. When that fails, or `signal` fires (ABORTED), the worker is terminated
   * and nothing of this supervisor runs on: the process can exit.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#phase !== 'idle') throw zkError('INVALID_OPTION', 'the worker supervisor was already started');
    this.#phase = 'starting';
    try {
      const handle = await this.#launch(signal);
      // stop() came first: it is closing this worker already.
      if (this.#stopped()) throw closedError();
      this.#phase = 'running';
      this.#current = Promise.resolve(handle);
    } catch (error) {
      this.#phase = 'stopped';
      throw error;
    }
  }

  readonly call: WorkerCall = (invoke) => {
    if (this.#phase === 'stopped' || !this.#current) return Promise.reject(closedError());
    return this.#current.then((handle) => handle.call(invoke));
  };

  /** A one-way command to the newest worker; dropped while none is alive (a replacement starts without that state). */
  send(command: WorkerCommand): void {
    if (this.#phase !== 'stopped' && this.#handle?.alive) this.#handle.send(command);
  }

  /** Ends the session and the worker; a replacement under way stops at its next step. */
  async stop(): Promise<void> {
    this.#phase = 'stopped';
    this.#stopping.abort();
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle?.alive) await closeGracefully(handle);
  }

  /** A method, not a field read: TypeScript would keep a narrowed phase across the awaits where stop() can run. */
  #stopped(): boolean {
    return this.#phase === 'stopped';
  }

  /** Spawns a worker and starts its session; on any failure the worker is terminated before this rejects. */
  async #launch(signal?: AbortSignal): Promise<WorkerHandle> {
    if (signal?.aborted) throw abortedError(signal);
    const handle = this.#spawn();
    const abort = (): void => void handle.terminate(abortedError(signal));
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await handle.call((api) => api.start(this.#config()));
      return handle;
    } catch (error) {
      await handle.terminate(closedError());
      throw error;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  #spawn(): WorkerHandle {
    const epoch = ++this.#epoch;
    this.#handle = undefined;
    const current = (): boolean => epoch === this.#epoch;
    const handle = new WorkerHandle(
      {
        onEvent: (event) => {
          if (current()) this.#onEvent(event);
        },
        onCrash: (error) => {
          if (current()) this.#onCrash(error);
        },
        onPortError: (error) =>
          this.log.error({ err: error }, 'a message to or from the ZooKeeper worker failed'),
      },
      this.hooks.createWorker,
    );
    this.#handle = handle;
    return handle;
  }

  #config(): WorkerConfig {
    const o = this.options;
    return {
      protocolVersion: PROTOCOL_VERSION,
      connectionString: o.connectionString,
      sessionTimeout: o.sessionTimeout,
      connectTimeout: o.connectTimeout,
      stallTimeout: o.stallTimeout,
      maxDataBytes: o.maxDataBytes,
      incrementalChildrenFrom: o.incrementalChildrenFrom,
      auth: o.auth,
      // A replacement worker connects the same way: every connection of the session is TLS.
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.sasl ? { sasl: o.sasl } : {}),
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

  /**
   * Only a worker that was running starts the loop: a crash while starting is that start's failure, and a crash
   * of a replacement is that attempt's failure, handled by the one loop already running.
   */
  #onCrash(error: ZkError): void {
    if (this.#phase !== 'running') return;
    this.#phase = 'replacing';
    this.log.error({ err: error }, 'ZooKeeper worker died; starting a new one to resume the session');
    this.hooks.onState('connecting');
    const replacement = this.#replace();
    this.#current = replacement;
    replacement.catch(() => {});
  }

  async #replace(): Promise<WorkerHandle> {
    for (let attempt = 1; ; attempt++) {
      if (this.#stopped()) throw closedError();
      let handle: WorkerHandle | undefined;
      try {
        handle = await this.#launch();
        await this.hooks.restore(handle);
        if (this.#stopped()) throw closedError();
        if (!handle.alive) throw zkError('WORKER_CRASHED', 'the new ZooKeeper worker died while taking over');
        this.#phase = 'running';
        this.log.info({ attempt }, 'new ZooKeeper worker took over');
        return handle;
      } catch (error) {
        // Never two workers on one session: this one goes before the next one resumes the session.
        await handle?.terminate(closedError());
        if (this.#stopped()) throw closedError();
        this.#attemptFailed(error, attempt);
        await this.#backoff(this.#retry(attempt));
      }
    }
  }

  #attemptFailed(error: unknown, attempt: number): void {
    this.log.warn({ err: error, attempt }, 'replacement worker failed to start; retrying');
    // The failed attempt may have reported 'connected' before it failed.
    this.hooks.onState('connecting');
    this.hooks.onEvent({ type: 'failure', failure: { kind: 'worker', error: toWireError(error) } });
  }

  /**
   * Waits between attempts. The timer is not unref'd: an open client lives as long as its worker would have, and a
   * worker is always ref'd. stop() clears it, so it never outlives close().
   */
  #backoff(ms: number): Promise<void> {
    const stopping = this.#stopping.signal;
    return new Promise((resolve) => {
      if (stopping.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        stopping.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.addEventListener('abort', done, { once: true });
    });
  }
}

/** Lets the worker end the session (ZooKeeper then deletes its ephemeral nodes at once), within a bound. */
async function closeGracefully(handle: WorkerHandle): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, WORKER_CLOSE_GRACE);
  });
  try {
    await Promise.race([handle.call((api) => api.close()).catch(() => {}), grace]);
  } finally {
    clearTimeout(timer);
  }
  await handle.terminate(closedError());
}

function abortedError(signal: AbortSignal | undefined): ZkError {
  return zkError('ABORTED', 'connecting was aborted', { cause: signal?.reason });
}
