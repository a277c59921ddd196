/**
 * Starts one session worker and carries calls to it.
 *
 *   caller ── call(invoke) ── facade ── comlink request ──▶ Worker (@zkit/worker main.ts: settlingApi)
 *          ◀── value, or fromWire(error) thrown ◀── Outcome ─┘   (errors cross as data: @zkit/protocol outcome.ts)
 *          ── send() ── tagged one-way command ──▶
 *   onEvent ◀── tagged events ─────────────────────  (same port as replies, so in order)
 *   onCrash ◀── 'error' / 'exit' ─────────────────  (pending calls reject with WORKER_CRASHED)
 *
 * comlink never rejects a pending call when its worker dies (it hangs), so every call races the worker's death.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  COMMAND_TAG,
  CoalescingPort,
  isTaggedEvent,
  type OutcomeApi,
  type TaggedCommand,
  unwrapOutcome,
  type WorkerApi,
  type WorkerCommand,
  type WorkerEvent,
  type ZkError,
  zkError,
} from '@zkit/protocol';
import { workerEntryUrl } from '@zkit/worker';
import { type Remote, wrap } from 'comlink';
import { withParentFlags } from './worker-exec-argv.js';

/**
 * A call to the worker's API, through whichever layer routes it (a handle, or the supervisor). The API is typed as
 * WorkerApi itself, not comlink's Remote<WorkerApi> (the same, every method returning a promise already): comlink's
 * declarations need the DOM library and would reach the published .d.ts.
 */
export type WorkerCall = <T>(invoke: (api: WorkerApi) => Promise<T>) => Promise<T>;

export interface WorkerHandlers {
  onEvent(event: WorkerEvent): void;
  /** The worker died on its own (not through terminate()). */
  onCrash(error: ZkError): void;
  /** A message to or from the worker failed (uncloneable, or a listener threw); the others went on. */
  onPortError(error: unknown): void;
}

/** Makes the thread; unit tests of pure logic pass a fake (an EventEmitter with postMessage and terminate). */
export type CreateWorker = () => Worker;

export class WorkerHandle {
  readonly #worker: Worker;
  readonly #port: CoalescingPort;
  readonly #api: WorkerApi;
  readonly #pending = new Set<(error: ZkError) => void>();
  #dead: ZkError | undefined;

  /** Throws WORKER_CRASHED, naming the cause, when the thread cannot even be created. */
  constructor(
    private readonly handlers: WorkerHandlers,
    createWorker: CreateWorker = spawnWorker,
  ) {
    this.#worker = create(createWorker);
    this.#port = new CoalescingPort(this.#worker, (error) => handlers.onPortError(error));
    this.#api = outcomeFacade(wrap<OutcomeApi<WorkerApi>>(this.#port.endpoint()));
    this.#port.onMessage((data) => {
      if (isTaggedEvent(data) && !this.#dead) handlers.onEvent(data.event);
    });
    this.#worker.on('error', (error) => this.#die(`the ZooKeeper worker crashed: ${error.message}`, error));
    this.#worker.on('exit', (code) => this.#die(`the ZooKeeper worker exited (code ${code})`));
  }

  /** The thread itself: for `@zkit/client/internal`'s fault injection in tests. */
  get thread(): Worker {
    return this.#worker;
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  /** Calls the worker; rejects with WORKER_CRASHED if it dies first, instead of hanging. */
  call<T>(invoke: (api: WorkerApi) => Promise<T>): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      invoke(this.#api)
        .then(resolve, reject)
        .finally(() => this.#pending.delete(reject));
    });
  }

  /** Sends a one-way command; dropped when the worker is dead (its replacement starts without that state). */
  send(command: WorkerCommand): void {
    if (!this.#dead) this.#port.post({ [COMMAND_TAG]: true, command } satisfies TaggedCommand);
  }

  /** Stops the worker for good; pending calls reject with `reason`. */
  async terminate(reason: ZkError): Promise<void> {
    if (this.#dead) return;
    this.#dead = reason;
    this.#rejectPending(reason);
    await this.#worker.terminate();
  }

  #die(message: string, cause?: unknown): void {
    if (this.#dead) return;
    const error = zkError('WORKER_CRASHED', message, { cause });
    this.#dead = error;
    this.#rejectPending(error);
    this.handlers.onCrash(error);
  }

  #rejectPending(error: ZkError): void {
    for (const reject of this.#pending) reject(error);
    this.#pending.clear();
  }
}

/**
 * The worker's API as callers see it: each method resolves with the value, or rejects with the worker's error
 * rebuilt (class, code, path, zkName, stack) from the Outcome the worker answered with.
 * comlink makes a new proxy, registered with a FinalizationRegistry, on every property read (`api.watchChildren`):
 * garbage on every call. Each method is made once instead; comlink's call ignores `this`.
 */
function outcomeFacade(remote: Remote<OutcomeApi<WorkerApi>>): WorkerApi {
  const methods = new Map<PropertyKey, unknown>();
  const method = (name: PropertyKey): unknown => {
    const call = Reflect.get(remote, name) as (
      ...args: unknown[]
    ) => Promise<Parameters<typeof unwrapOutcome>[0]>;
    return (...args: unknown[]) => call(...args).then(unwrapOutcome);
  };
  return new Proxy(remote, {
    get(_target, name) {
      // Not a thenable: an async function may return the API without it being awaited into a call.
      if (name === 'then') return undefined;
      if (!methods.has(name)) methods.set(name, method(name));
      return methods.get(name);
    },
  }) as unknown as WorkerApi;
}

function create(createWorker: CreateWorker): Worker {
  try {
    return createWorker();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw zkError('WORKER_CRASHED', `the ZooKeeper worker could not be started: ${reason}`, { cause: error });
  }
}

/** The worker, with the flags this process was started with less those a worker cannot take. */
export function spawnWorker(): Worker {
  const entry = workerEntryUrl();
  if (!entry.pathname.endsWith('.ts')) {
    return withParentFlags((execArgv) => new Worker(entry, { execArgv }), process.execArgv);
  }
  // Running from TypeScript sources (vitest, tsx): Node 20 cannot start a .ts worker, so a tiny CommonJS
  // bootstrap registers tsx's loader in the worker first, then imports the real entry.
  // tsx's CommonJS build of this API resolves its own loader wrongly, so the ES module build is imported.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  );
  const bootstrap = [
    `import(${JSON.stringify(tsx)})`,
    `  .then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`,
    '  .catch((error) => setImmediate(() => { throw error; }));',
  ].join('\n');
  return withParentFlags((execArgv) => new Worker(bootstrap, { eval: true, execArgv }), process.execArgv);
}
