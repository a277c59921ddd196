import {
  type Address,
  addressName,
  closedError,
  type Diagnostics,
  encodeJsonObject,
  type JsonObject,
  joinPath,
  type PropertiesWrite,
  type SessionState,
  validatePath,
  type WorkerEvent,
  zkError,
} from '@zkit/worker';
import type { Logger } from 'pino';
import { Children } from './children.js';
import { Heartbeat, heartbeatInterval } from './heartbeat.js';
import type { ViewOwner } from './live-view.js';
import { writeRecord, zooKeeperLogger } from './log-sink.js';
import { MirrorRegistry } from './mirror-registry.js';
import type { ResolvedOptions } from './options.js';
import { Properties } from './properties.js';
import type { Registration } from './registration.js';
import { type RegisterOptions, Registrations, type ServerData } from './registrations.js';
import { type Subscription, subscription } from './subscription.js';
import type { WorkerCall, WorkerHandle } from './worker-handle.js';
import { WorkerSupervisor } from './worker-supervisor.js';

export interface DeleteOptions {
  /** Delete the node's whole subtree too. @default false */
  readonly recursive?: boolean;
}

/** Reached only by `@zkit/client/internal`, so fault-injection tests can find the worker. */
export const supervisors = new WeakMap<ZooKeeper, WorkerSupervisor>();

/**
 * A ZooKeeper client whose session lives in a worker thread. Views (`children`, `properties`) are mirrors on this
 * thread, kept current by the worker, so reading them never waits and a busy thread cannot expire the session.
 */
export class ZooKeeper implements AsyncDisposable {
  readonly log: Logger;
  #state: SessionState = 'connecting';
  readonly #stateListeners = new Set<(state: SessionState) => void>();
  readonly #mirrors: MirrorRegistry;
  readonly #registrations: Registrations;
  readonly #heartbeat: Heartbeat;
  readonly #supervisor: WorkerSupervisor;
  readonly #viewOwner: ViewOwner;
  #closing: Promise<void> | undefined;

  private constructor(private readonly options: ResolvedOptions) {
    this.log = zooKeeperLogger(options.logger);
    this.#heartbeat = new Heartbeat(heartbeatInterval(options.stallTimeout));
    this.#mirrors = new MirrorRegistry(this.#call, (command) => this.#supervisor.send(command));
    this.#registrations = new Registrations(this.#call, options.maxDataBytes, this.log);
    this.#viewOwner = { log: this.log, release: (mirror) => this.#mirrors.release(mirror) };
    this.#supervisor = new WorkerSupervisor(options, this.#heartbeat, this.log, {
      onEvent: (event) => this.#onEvent(event),
      onState: (state) => this.#setState(state),
      restore: (handle) => this.#restore(handle),
    });
    supervisors.set(this, this.#supervisor);
  }

  /** Starts the worker and its first session; use `connect()`. */
  static async open(options: ResolvedOptions): Promise<ZooKeeper> {
    const zk = new ZooKeeper(options);
    try {
      await zk.#supervisor.start();
    } catch (error) {
      zk.#heartbeat.stop();
      zk.#setState('closed');
      throw error;
    }
    return zk;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The current session's id (hex), once connected. */
  get sessionId(): string | undefined {
    return this.#supervisor.session?.id;
  }

  /** Calls `listener(state)` on every state change (not at once: read `zk.state` for the current one). */
  onState(listener: (state: SessionState) => void): Subscription {
    this.#stateListeners.add(listener);
    return subscription(() => this.#stateListeners.delete(listener));
  }

  /**
   * Registers this process as a server of the service at `path`: an ephemeral node `path/HOST:PORT`, world
   * read-only, holding `data` plus `pid`. Missing parents are created. It disappears when the session ends and is
   * put back after a new session; `unregister()` removes it at once.
   */
  async registerServer(
    path: string,
    address: Address,
    data: ServerData = {},
    options: RegisterOptions = {},
  ): Promise<Registration> {
    return this.#registrations.register(joinPath(validatePath(path), addressName(address)), data, options);
  }

  /**
   * Like `registerServer`, for a process with no address: the node is `path/name`, where `name` is one path
   * segment. Choose a name no one can take for `HOST:PORT` (the PM2 plugin uses `pm2-<id>@<host>`).
   */
  async registerProcess(
    path: string,
    name: string,
    data: ServerData = {},
    options: RegisterOptions = {},
  ): Promise<Registration> {
    const parent = validatePath(path);
    if (typeof name !== 'string' || name.includes('/')) {
      throw zkError('INVALID_PATH', `a process name is one path segment, not ${JSON.stringify(name)}`);
    }
    return this.#registrations.register(validatePath(joinPath(parent, name)), data, options);
  }

  /** A live view of the names of `path`'s children; rejects NO_NODE when the node does not exist. */
  async children(path: string): Promise<Children> {
    const mirror = await this.#mirrors.acquire('children', validatePath(path));
    return new Children(mirror, this.#viewOwner);
  }

  /** A live read-only mapping of `path`'s JSON data; rejects NO_NODE when the node does not exist. */
  async properties(path: string): Promise<Properties> {
    const mirror = await this.#mirrors.acquire('data', validatePath(path));
    return new Properties(mirror, this.#viewOwner, (p, mode, value) => this.#writeProperties(p, mode, value));
  }

  /**
   * Creates a persistent node holding `properties` as JSON, with any missing parents, unless it exists already (an
   * existing node is left as it is). Resolves true when it created the node.
   */
  async ensure(path: string, properties: JsonObject = {}): Promise<boolean> {
    const nodePath = validatePath(path);
    const json = encodeJsonObject(properties, this.options.maxDataBytes, nodePath);
    return this.#call((api) => api.ensure(nodePath, json));
  }

  /** Deletes a node (with its subtree when `recursive`); a node already gone is not an error. */
  async delete(path: string, options: DeleteOptions = {}): Promise<void> {
    const nodePath = validatePath(path);
    if (nodePath === '/')
      throw zkError('INVALID_PATH', 'the root node cannot be deleted', { path: nodePath });
    await this.#call((api) => api.delete(nodePath, options.recursive === true));
  }

  /** What the worker holds now (session, watches, registrations): for health checks and debugging. */
  diagnostics(): Promise<Diagnostics> {
    return this.#call((api) => api.diagnostics());
  }

  /** Ends the session at once (its registrations vanish now, not after a timeout) and stops the worker. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  readonly #call: WorkerCall = (invoke) => {
    if (this.#closing) return Promise.reject(closedError());
    return this.#supervisor.call(invoke);
  };

  async #writeProperties(path: string, mode: PropertiesWrite, value: unknown): Promise<void> {
    const json = encodeJsonObject(value, this.options.maxDataBytes, path);
    await this.#call((api) => api.writeProperties(path, mode, json));
  }

  #onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'log':
        writeRecord(this.log, event.level, event.fields, event.msg);
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
      case 'state':
        this.#setState(event.state);
        return;
      case 'ended':
      case 'failure':
        // TODO(core): views end with a typed reason; failures reach zk.onFailure listeners.
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

  #setState(state: SessionState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    for (const listener of [...this.#stateListeners]) {
      try {
        listener(state);
      } catch (error) {
        this.log.error({ err: error, state }, 'state listener threw');
      }
    }
  }

  async #close(): Promise<void> {
    this.#heartbeat.stop();
    try {
      await this.#supervisor.stop();
    } finally {
      this.#mirrors.clear();
      this.#setState('closed');
      this.#stateListeners.clear();
    }
  }
}
