import {
  type Address,
  abortedError,
  addressName,
  closedError,
  type Diagnostics,
  encodeJsonObject,
  fromWire,
  type JsonObject,
  joinPath,
  type NodeStat,
  type PropertiesWrite,
  type SessionHandle,
  type SessionState,
  validatePath,
  type WorkerEvent,
  type ZkError,
  zkError,
} from '@zkit/protocol';
import type { Logger } from 'pino';
import {
  type InstanceOptions,
  type InstanceRegistration,
  registerInstance,
} from './discovery/register-instance.js';
import { openServices, type Services, type ServicesOptions } from './discovery/services.js';
import { type FailureListener, FailureListeners, failureFromWire } from './failures.js';
import type { ResolvedOptions } from './options.js';
import type { RegisterOptions, Registration } from './registrations/registration.js';
import { RegistrationList } from './registrations/registration-list.js';
import { SessionStateListeners } from './session-state.js';
import { AbortableCalls, type CallOptions, raceSignal } from './thread/abortable.js';
import { Heartbeat } from './thread/heartbeat.js';
import { writeRecord, zooKeeperLogger } from './thread/log-sink.js';
import type { CreateWorker, WorkerCall, WorkerHandle } from './thread/worker-handle.js';
import { WorkerSupervisor } from './thread/worker-supervisor.js';
import { describeTls } from './tls-options.js';
import { type DeleteOptions, deleteNode } from './tree/delete-node.js';
import type { DeleteResult } from './tree/delete-plan.js';
import { type ExportOptions, exportTree } from './tree/export-tree.js';
import { type ImportOptions, importTree } from './tree/import-tree.js';
import { ln, resolve } from './tree/links.js';
import type { ImportPlan } from './tree/tree-model.js';
import { type WalkNode, type WalkOptions, walk } from './tree/walk.js';
import { Children } from './views/children.js';
import { deepFreeze } from './views/mirror.js';
import { MirrorRegistry } from './views/mirror-registry.js';
import { Properties } from './views/properties.js';
import type { Subscription } from './views/subscription.js';

/** Reached only by `@zkit/client/internal`, so fault-injection tests can find the worker. */
export const supervisors = new WeakMap<ZooKeeper, WorkerSupervisor>();

/** Set by ZooKeeper's static block: the implementation of openZooKeeper. */
let open: (
  options: ResolvedOptions,
  signal: AbortSignal | undefined,
  createWorker: CreateWorker | undefined,
) => Promise<ZooKeeper>;

/**
 * Starts the worker and its first session; `connect()` calls it. When that fails (CONNECT_TIMEOUT, AUTH_FAILED, a
 * worker that cannot start) or `signal` fires (ABORTED, at once), nothing of this client lives on: no worker, no
 * replacement loop, no timer. Not on the public class, so users cannot open a client with unchecked options.
 * `createWorker` makes the first worker (connect() hands over one it started early); replacements are made anew.
 */
export function openZooKeeper(
  options: ResolvedOptions,
  signal?: AbortSignal,
  createWorker?: CreateWorker,
): Promise<ZooKeeper> {
  return open(options, signal, createWorker);
}

/**
 * A ZooKeeper client whose session lives in a worker thread. Views (`children`, `properties`) are mirrors on this
 * thread, kept current by the worker, so reading them never waits and a busy thread cannot expire the session.
 * One-shot reads (`get`, `getChildren`, `exists`) ask ZooKeeper once and leave no watch behind.
 */
export class ZooKeeper implements AsyncDisposable {
  /** A true private field: it holds credentials and key material, which util.inspect(zk) must not print. */
  readonly #options: ResolvedOptions;
  readonly #log: Logger;
  readonly #state: SessionStateListeners;
  readonly #failures: FailureListeners;
  readonly #calls: AbortableCalls;
  readonly #mirrors: MirrorRegistry;
  readonly #registrations: RegistrationList;
  readonly #heartbeat: Heartbeat;
  readonly #supervisor: WorkerSupervisor;
  #closing: Promise<void> | undefined;

  private constructor(options: ResolvedOptions, createWorker: CreateWorker | undefined) {
    this.#options = options;
    this.#log = zooKeeperLogger(options.logger);
    this.#heartbeat = new Heartbeat(options.heartbeatInterval);
    this.#state = new SessionStateListeners(this.#log);
    this.#failures = new FailureListeners(this.#log);
    this.#calls = new AbortableCalls(this.#userCall, (id) => this.#supervisor.send({ type: 'abort', id }));
    this.#mirrors = new MirrorRegistry(
      this.#calls,
      {
        send: (command) => this.#supervisor.send(command),
        failure: (failure) => this.#failures.emit(failure),
        resolve: (path, signal) => this.#resolveLinks(path, signal),
      },
      this.#log,
    );
    this.#registrations = new RegistrationList(this.#calls, this.#call, options.maxDataBytes, this.#log);
    this.#supervisor = new WorkerSupervisor(options, this.#heartbeat, this.#log, {
      onEvent: (event) => this.#onEvent(event),
      onState: (state) => this.#state.set(state),
      restore: (handle) => this.#restore(handle),
      ...(createWorker ? { createWorker } : {}),
    });
    supervisors.set(this, this.#supervisor);
  }

  static {
    // Assigned here because only the class body may call the private constructor; see openZooKeeper.
    open = async (options, signal, createWorker) => {
      if (signal?.aborted) throw abortedError();
      const zk = new ZooKeeper(options, createWorker);
      try {
        await raceSignal(signal, zk.#supervisor.start(signal));
      } catch (error) {
        const closing = zk
          .close()
          .catch((closeError: unknown) =>
            zk.#log.warn({ err: closeError }, 'stopping the worker of a failed connect() failed'),
          );
        if ((error as ZkError).code !== 'ABORTED') await closing;
        throw error;
      }
      return zk;
    };
  }

  get state(): SessionState {
    return this.#state.current;
  }

  /** The current session's id (hex), once connected. */
  get sessionId(): string | undefined {
    return this.#supervisor.session?.id;
  }

  /**
   * The current session's id and password, once connected: what `ConnectOptions.resume` takes to carry on with
   * this session from a later process (after a crash). A new session after an expiry has new ones. Secret.
   */
  get session(): SessionHandle | undefined {
    const session = this.#supervisor.session;
    return session && { id: session.id, password: new Uint8Array(session.password) };
  }

  /** Calls `listener(state)` on every state change (not at once: read `zk.state` for the current one). */
  onState(listener: (state: SessionState) => void): Subscription {
    return this.#state.add(listener);
  }

  /**
   * Calls `listener(failure)` for failures that happen later, away from any call: a registration that cannot be
   * restored, a watch that cannot be kept (its views end, see `view.error`), the session (AUTH_FAILED), the worker.
   * They are logged too; this is how the application hears of them. A listener that throws is logged, and the
   * others still run.
   */
  onFailure(listener: FailureListener): Subscription {
    if (typeof listener !== 'function') throw zkError('INVALID_OPTION', 'onFailure() takes a function');
    return this.#failures.add(listener);
  }

  /**
   * Registers this process as a server of the service at `path`: an ephemeral node `path/HOST:PORT`, world
   * read-only, holding `options.data` plus `pid`. Missing parents are created. Symbolic links in `path` are
   * followed: the registration is recorded at once, with no read first (a replacement worker adopts it, an offline
   * one is placed later), and the worker places the node under the resolved parent when the parent at `path` does
   * not exist; `registration.path` stays the path asked for. It disappears when the session ends and is put back
   * after a new session (its path resolved again: the link may have moved); `unregister()` removes it at once.
   * Aborted (`options.signal`), the registration is withdrawn: it is not made later, and is taken back if the
   * worker had made it. Data passed in place of the options, as zc.zk takes it, is refused (INVALID_OPTION): pass
   * `{ data: {...} }`.
   */
  async registerServer(path: string, address: Address, options?: RegisterOptions): Promise<Registration> {
    const nodePath = joinPath(validatePath(path), addressName(address));
    return this.#registrations.register(nodePath, options);
  }

  /**
   * Like `registerServer`, for a process with no address: the node is `path/name`, where `name` is one path
   * segment. Choose a name no one can take for `HOST:PORT` (the PM2 plugin uses `pm2-<id>@<host>`).
   */
  async registerProcess(path: string, name: string, options?: RegisterOptions): Promise<Registration> {
    const parent = validatePath(path);
    if (typeof name !== 'string' || name.includes('/')) {
      throw zkError('INVALID_PATH', `a process name is one path segment, not ${JSON.stringify(name)}`);
    }
    return this.#registrations.register(validatePath(joinPath(parent, name)), options);
  }

  /**
   * Registers this process as an instance of the service `base/name` in Apache Curator's x-discovery format (which
   * Spring Cloud Zookeeper reads too): an ephemeral node `base/name/id` holding Curator 5's JSON, missing parents
   * made as container nodes. Restored after a new session like `registerServer`'s; `update(data)` replaces the
   * payload. Bad options reject with INVALID_OPTION, INVALID_ADDRESS, INVALID_PATH or INVALID_DATA.
   */
  async registerInstance(
    base: string,
    name: string,
    options: InstanceOptions,
  ): Promise<InstanceRegistration> {
    return registerInstance(this.#registrations, { base, name }, options);
  }

  /**
   * A live view of the names of `path`'s children; rejects NO_NODE when the node does not exist. A `path` that does
   * not exist is resolved through symbolic links; when the node it led to is deleted, the view resolves it again.
   */
  async children(path: string, options: CallOptions = {}): Promise<Children> {
    const asked = validatePath(path);
    const mirror = await this.#mirrors.follow('children', asked, options?.signal);
    return new Children(mirror, this.#mirrors.owner, asked);
  }

  /** A live read-only mapping of `path`'s JSON data; rejects NO_NODE when the node does not exist. Links as `children`. */
  async properties(path: string, options: CallOptions = {}): Promise<Properties> {
    const asked = validatePath(path);
    const mirror = await this.#mirrors.follow('data', asked, options?.signal);
    return new Properties(mirror, this.#mirrors.owner, {
      asked,
      write: (p, mode, value, writeOptions) => this.#writeProperties(p, mode, value, writeOptions),
    });
  }

  /**
   * A live view of the service at `path`: one instance per child, with the child's data, kept current. zkit's
   * format (`registerServer`'s `HOST:PORT` children) by default, or Curator's (`format: 'curator'`). Resolves once
   * every child's data was read; rejects NO_NODE when the node does not exist.
   */
  async services(path: string, options: ServicesOptions = {}): Promise<Services> {
    return openServices({ mirrors: this.#mirrors, log: this.#log }, validatePath(path), options ?? {});
  }

  /**
   * `path`'s JSON data, read once (zc.zk's `properties(path, watch=False)`): a deeply frozen object, decoded as
   * views decode it. Leaves no watch. Rejects NO_NODE when the node does not exist.
   */
  async get(path: string, options: CallOptions = {}): Promise<JsonObject> {
    const nodePath = validatePath(path);
    const snapshot = await this.#calls.run(options?.signal, (api, call) => api.getData(nodePath, call));
    return deepFreeze(snapshot.properties);
  }

  /** The names of `path`'s children, read once and sorted. Leaves no watch. Rejects NO_NODE when it does not exist. */
  async getChildren(path: string, options: CallOptions = {}): Promise<string[]> {
    const nodePath = validatePath(path);
    const names = await this.#calls.run(options?.signal, (api, call) => api.getChildren(nodePath, call));
    return [...names].sort();
  }

  /** The node's stat, or null when it does not exist. Leaves no watch. */
  async exists(path: string, options: CallOptions = {}): Promise<NodeStat | null> {
    const nodePath = validatePath(path);
    return this.#calls.run(options?.signal, (api, call) => api.exists(nodePath, call));
  }

  /**
   * Creates a persistent node holding `properties` as JSON, with any missing parents, unless it exists already (an
   * existing node is left as it is). Resolves true when it created the node.
   */
  async ensure(path: string, properties: JsonObject = {}, options: CallOptions = {}): Promise<boolean> {
    const nodePath = validatePath(path);
    const json = encodeJsonObject(properties, this.#options.maxDataBytes, nodePath);
    return this.#calls.run(options?.signal, (api, call) => api.ensure(nodePath, json, call));
  }

  /**
   * Deletes a node (with its subtree when `recursive`); a node already gone is not an error. Never an ephemeral node
   * (a registration) or a node above one unless `force`: those are spared and listed. With `dryRun`, deletes
   * nothing and tells what it would delete.
   */
  async delete(path: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    return deleteNode(this.#calls, validatePath(path), options ?? {});
  }

  /**
   * The subtree at `path` as zc.zk 2's text format (see parseTree): properties sorted, then links, then children
   * sorted. `/zookeeper` is left out, and so are ephemeral nodes unless `ephemeral`.
   */
  exportTree(path = '/', options: ExportOptions = {}): Promise<string> {
    return exportTree(this.#calls, validatePath(path), options ?? {});
  }

  /**
   * Makes the subtree at `path` what `text` (zc.zk 2's format) says, with compare-and-set writes in transactions: a
   * concurrent writer stops it with BAD_VERSION, never is overwritten. `trim` deletes what the text lacks (sparing
   * ephemeral nodes, their ancestors and top-level nodes); `dryRun` writes nothing. Resolves with the plan applied.
   */
  importTree(text: string, path = '/', options: ImportOptions = {}): Promise<ImportPlan> {
    const context = {
      calls: this.#calls,
      maxDataBytes: this.#options.maxDataBytes,
      acl: this.#options.parentAcl,
    };
    return importTree(context, text, validatePath(path), options ?? {});
  }

  /**
   * The nodes of the subtree at `path`, depth first and sorted, read as the loop asks for them; remove names from
   * a node's `children` to skip their subtrees. Ephemeral nodes are visited unless `ephemeral: false`.
   */
  walk(path = '/', options: WalkOptions = {}): AsyncGenerator<WalkNode, void, undefined> {
    return walk(this.#calls, validatePath(path), options ?? {});
  }

  /**
   * The path of the node `path` names, following symbolic links (`name -> TARGET` properties) and normalizing `.`
   * and `..`. Rejects NO_NODE when nothing is there, INVALID_PATH for a link loop.
   */
  resolve(path: string, options: CallOptions = {}): Promise<string> {
    return resolve(this.#calls, path, options ?? {});
  }

  /**
   * Makes `source` a symbolic link to `target` (zc.zk's `ln`): the property `"name ->"` on source's parent. A
   * relative `target` is relative to that parent; a `source` ending in `/` takes target's name. Resolves with the
   * link's path.
   */
  ln(target: string, source: string, options: CallOptions = {}): Promise<string> {
    return ln(
      { calls: this.#calls, maxDataBytes: this.#options.maxDataBytes },
      target,
      source,
      options ?? {},
    );
  }

  /** What the worker holds now (session, watches, registrations): for health checks and debugging. */
  diagnostics(): Promise<Diagnostics> {
    // The TLS summary is the client's: the worker's figures carry nothing of the configuration.
    const tls = describeTls(this.#options.tls);
    return this.#call((api) => api.diagnostics()).then((held) => (tls ? { ...held, tls } : held));
  }

  /** Ends the session at once (its registrations vanish now, not after a timeout) and stops the worker. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** zkit's own calls (diagnostics, undoing an aborted registration): refused only once the client closes. */
  readonly #call: WorkerCall = (invoke) => {
    if (this.#closing) return Promise.reject(closedError());
    return this.#supervisor.call(invoke);
  };

  /** The application's calls: also refused while the session cannot serve them (see ConnectOptions.offlineCalls). */
  readonly #userCall: WorkerCall = (invoke) => {
    if (this.#closing) return Promise.reject(closedError());
    // Final until close(): waiting would wait forever.
    const state = this.#state.current;
    if (state === 'auth_failed') {
      return Promise.reject(zkError('AUTH_FAILED', 'ZooKeeper refused the credentials of this client'));
    }
    if (this.#options.offlineCalls === 'reject' && state !== 'connected') {
      return Promise.reject(zkError('NOT_CONNECTED', `the session is ${state}, not connected`));
    }
    return this.#supervisor.call(invoke);
  };

  /** `path` with its symbolic links followed: for views (MirrorRegistry.follow). */
  #resolveLinks(path: string, signal: AbortSignal | undefined): Promise<string> {
    return resolve(this.#calls, path, { signal });
  }

  async #writeProperties(
    path: string,
    mode: PropertiesWrite,
    value: unknown,
    options: CallOptions,
  ): Promise<void> {
    const json = encodeJsonObject(value, this.#options.maxDataBytes, path);
    await this.#calls.run(options.signal, (api, call) => api.writeProperties(path, mode, json, call));
  }

  /**
   * Events of the current worker. The supervisor reports a failure of the worker itself (say, replacements that
   * keep failing) the same way: `onEvent({ type: 'failure', failure: { kind: 'worker', error } })`.
   */
  #onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'log':
        writeRecord(this.#log, event.level, event.fields, event.msg);
        return;
      case 'children':
        this.#mirrors.onChildren(event.path, event.added, event.removed);
        return;
      case 'data':
        this.#mirrors.onData(event.path, event.snapshot);
        return;
      case 'deleted':
        this.#mirrors.onDeleted(event.kind, event.path);
        return;
      case 'ended':
        this.#mirrors.onEnded(event.kind, event.path, fromWire(event.error));
        return;
      case 'failure':
        this.#failures.emit(failureFromWire(event.failure));
        return;
      case 'state':
        this.#state.set(event.state);
        return;
      default:
        event satisfies never;
    }
  }

  /** A replacement worker resumed (or replaced) the session: hand it our registrations and watches. */
  async #restore(handle: WorkerHandle): Promise<void> {
    const requests = this.#registrations.requests();
    await handle.call((api) => api.adoptRegistrations(requests));
    await this.#mirrors.rewatchAll((invoke) => handle.call(invoke));
  }

  async #close(): Promise<void> {
    this.#heartbeat.stop();
    try {
      await this.#supervisor.stop();
    } finally {
      this.#mirrors.clear();
      this.#state.set('closed');
      this.#state.clear();
      this.#failures.clear();
    }
  }
}
