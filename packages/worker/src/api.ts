import { decodeProperties, isPlainObject } from './data.js';
import { closedError, type ZkError, zkError } from './errors.js';
import { StallWatchdog } from './heartbeat.js';
import { type Emit, errorFields, forwardingLog, type Log } from './log-forward.js';
import { Calls } from './calls.js';
import type {
  CallContext,
  DataSnapshot,
  Diagnostics,
  JsonObject,
  NodeStat,
  PropertiesWrite,
  RegisterRequest,
  SessionInfo,
  WorkerApi,
  WorkerCommand,
  WorkerConfig,
} from './protocol.js';
import { Registrations } from './registrations.js';
import { Session } from './session.js';
import { deleteTree, ensurePath } from './tree.js';
import { Watches } from './watches.js';
import {
  type Client,
  exists,
  getChildren,
  getData,
  nodeStat,
  remove,
  type Stat,
  setData,
  zxid,
} from './zk-ops.js';

interface Running {
  readonly config: WorkerConfig;
  readonly session: Session;
  readonly watches: Watches;
  readonly registrations: Registrations;
  readonly watchdog: StallWatchdog;
}

/** A version conflict means another writer got in between: read again and re-apply, a bounded number of times. */
const MAX_WRITE_ATTEMPTS = 100;

/** The worker side of the comlink API: one session, its watches and its registrations. */
export class WorkerService implements WorkerApi {
  #log: Log;
  #running: Running | undefined;
  readonly #calls = new Calls();

  constructor(private readonly emit: Emit) {
    this.#log = forwardingLog(emit);
  }

  async start(config: WorkerConfig): Promise<SessionInfo> {
    if (this.#running) throw zkError('INVALID_OPTION', 'the worker was already started');
    this.#log = forwardingLog(this.emit, config.minimumLogSeverity);
    const running = this.#assemble(config);
    this.#running = running;
    try {
      const info = await running.session.open();
      running.watchdog.start();
      return info;
    } catch (error) {
      this.#running = undefined;
      throw error;
    }
  }

  async registerServer(request: RegisterRequest): Promise<void> {
    await this.#get().registrations.register(request);
  }

  async unregister(path: string): Promise<void> {
    await this.#get().registrations.unregister(path);
  }

  async updateRegistration(request: RegisterRequest): Promise<void> {
    await this.#get().registrations.update(request);
  }

  async discardRegistration(path: string): Promise<void> {
    await this.#get().registrations.discard(path);
  }

  async adoptRegistrations(requests: readonly RegisterRequest[]): Promise<void> {
    this.#get().registrations.adopt(requests);
  }

  watchChildren(path: string): Promise<readonly string[]> {
    return this.#get().watches.watchChildren(path);
  }

  watchData(path: string): Promise<DataSnapshot> {
    return this.#get().watches.watchData(path);
  }

  getData(path: string, call?: CallContext): Promise<DataSnapshot> {
    const { session } = this.#get();
    return this.#calls.run(call, async (signal) => {
      const { data, stat } = await session.run((client) => getData(client, path), undefined, signal);
      return {
        properties: decodeProperties(data).properties,
        mzxid: zxid(stat.mzxid).toString(),
        version: stat.version,
      };
    });
  }

  getChildren(path: string, call?: CallContext): Promise<readonly string[]> {
    const { session } = this.#get();
    return this.#calls.run(call, async (signal) => {
      const { children } = await session.run((client) => getChildren(client, path), undefined, signal);
      return children.sort();
    });
  }

  exists(path: string, call?: CallContext): Promise<NodeStat | null> {
    const { session } = this.#get();
    return this.#calls.run(call, async (signal) => {
      const stat = await session.run((client) => exists(client, path), undefined, signal);
      return stat === null ? null : nodeStat(stat);
    });
  }

  /** One-way commands (see protocol.ts); a command for a closed or unstarted worker has nothing to do. */
  command(command: WorkerCommand): void {
    const running = this.#running;
    if (!running || running.session.state === 'closed') return;
    switch (command.type) {
      case 'unwatch':
        running.watches.unwatch(command.kind, command.path);
        return;
      case 'abort':
        this.#calls.abort(command.id);
        return;
      default:
        command satisfies never;
    }
  }

  async writeProperties(path: string, mode: PropertiesWrite, json: string): Promise<void> {
    const running = this.#get();
    const patch = parsePatch(json, path);
    const { maxDataBytes } = running.config;
    // A watched node needs no read first: the first try writes at the version the watch last saw; if someone
    // wrote since, compare-and-set fails and the retry reads. A node deleted since (its version would start over)
    // has no such version until its re-read, so that try reads first.
    let known = mode === 'update' ? running.watches.lastKnownData(path) : undefined;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      try {
        const { properties, stat } = await running.session.run((client) =>
          writeOnce(client, path, mode, patch, maxDataBytes, known),
        );
        running.watches.dataWritten(path, properties, stat);
        return;
      } catch (error) {
        if ((error as ZkError).code !== 'BAD_VERSION') throw error;
        known = undefined;
        this.#log.debug({ path, attempt }, 'properties changed under us; retrying');
      }
    }
    throw zkError('BAD_VERSION', `gave up writing ${path} after ${MAX_WRITE_ATTEMPTS} version conflicts`, {
      path,
    });
  }

  async ensure(path: string, json: string): Promise<boolean> {
    const running = this.#get();
    parsePatch(json, path);
    return running.session.run((client) =>
      ensurePath(client, path, Buffer.from(json), running.config.parentAcl),
    );
  }

  async delete(path: string, recursive: boolean): Promise<void> {
    const running = this.#get();
    await running.session.run(async (client) => {
      if (recursive) await deleteTree(client, path);
      else await remove(client, path).catch((error: ZkError) => ignoreNoNode(error));
    });
  }

  async diagnostics(): Promise<Diagnostics> {
    const { session, watches, registrations, watchdog } = this.#get();
    return {
      state: session.state,
      sessionId: session.sessionId,
      watches: {
        children: watches.paths('children'),
        data: watches.paths('data'),
        incremental: watches.incrementalPaths(),
      },
      registrations: registrations.list(),
      stalled: watchdog.stalled,
    };
  }

  async close(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    running.watchdog.stop();
    await running.session.close();
    this.#log.info({}, 'session closed');
  }

  #get(): Running {
    if (!this.#running) throw zkError('CLOSED', 'the worker has not been started');
    if (this.#running.session.state === 'closed') throw closedError();
    return this.#running;
  }

  #assemble(config: WorkerConfig): Running {
    const log = this.#log;
    let watches: Watches | undefined;
    let registrations: Registrations | undefined;
    const session = new Session(config, log, {
      onState: (state, handle) => this.emit({ type: 'state', state, ...(handle ? { session: handle } : {}) }),
      onNewSession: () => {
        watches?.rearmAll();
        registrations?.restoreAll();
      },
      onReconnected: () => watches?.reconnected(),
      onFailure: (error) => this.emit({ type: 'failure', failure: { kind: 'session', error: error.toWire() } }),
    });
    watches = new Watches(session, this.emit, log, config.incrementalChildrenFrom);
    registrations = new Registrations(session, watches, config, log);
    const owned = registrations;
    const watchdog = new StallWatchdog(
      config.heartbeat,
      config.stallTimeout,
      config.heartbeatInterval,
      {
        onStall: () => void owned.suspend().catch((error) => log.error(errorFields(error), 'suspend failed')),
        onRecover: () => owned.resume(),
      },
      log,
    );
    return { config, session, watches, registrations, watchdog };
  }
}

function parsePatch(json: string, path: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw zkError('INVALID_DATA', 'properties must be a JSON object', { path });
  }
  if (!isPlainObject(parsed)) throw zkError('INVALID_DATA', 'properties must be a JSON object', { path });
  return parsed as JsonObject;
}

async function writeOnce(
  client: Client,
  path: string,
  mode: PropertiesWrite,
  patch: JsonObject,
  maxBytes: number,
  known: DataSnapshot | undefined,
): Promise<{ properties: JsonObject; stat: Stat }> {
  // `set` replaces whatever is there, so it needs no version; `update` merges, so it must not overwrite a change
  // made between its read and its write (compare-and-set on the node's version).
  let properties = patch;
  let version = -1;
  if (mode === 'update') {
    const current = known ?? (await readProperties(client, path));
    properties = { ...current.properties, ...patch };
    version = current.version;
  }
  const text = JSON.stringify(properties);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw zkError('DATA_TOO_LARGE', `node data of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`, {
      path,
    });
  }
  const stat = await setData(client, path, Buffer.from(text), version);
  return { properties, stat };
}

async function readProperties(client: Client, path: string): Promise<Omit<DataSnapshot, 'mzxid'>> {
  const { data, stat } = await getData(client, path);
  return { properties: decodeProperties(data).properties, version: stat.version };
}

function ignoreNoNode(error: ZkError): void {
  if (error.code !== 'NO_NODE') throw error;
}
