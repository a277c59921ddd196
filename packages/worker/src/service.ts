import {
  type CallContext,
  closedError,
  type DataSnapshot,
  type Diagnostics,
  decodeProperties,
  type MultiOp,
  type NodeListing,
  type NodeStat,
  PROTOCOL_VERSION,
  type PropertiesWrite,
  type RegisterRequest,
  type SessionInfo,
  type WireTreeNode,
  type WorkerApi,
  type WorkerCommand,
  type WorkerConfig,
  type ZkError,
  zkError,
} from '@zkit/protocol';
import { Calls } from './calls.js';
import { type Emit, errorFields, forwardingLog, type Log } from './log-forward.js';
import { parsePatch, writeProperties } from './properties-write.js';
import { EphemeralRegistry } from './registrations/ephemeral-registry.js';
import { multi } from './session/multi.js';
import { exists, getChildren, getData, nodeStat, remove, zxid } from './session/ops.js';
import { readTree } from './session/read-tree.js';
import { Session } from './session/session.js';
import { StallWatchdog } from './session/stall-watchdog.js';
import { createPersistent } from './session/tree.js';
import { Watches } from './watches/watches.js';

interface Running {
  readonly config: WorkerConfig;
  readonly session: Session;
  readonly watches: Watches;
  readonly registrations: EphemeralRegistry;
  readonly watchdog: StallWatchdog;
}

/**
 * The worker side of the comlink API: one session, its watches and its registrations. Every call that can wait
 * takes its AbortSignal from `#calls` as it arrives (synchronously: an abort command sent after the call is then
 * sure to find it) and hands it down; see calls.ts.
 */
export class WorkerService implements WorkerApi {
  #log: Log;
  #running: Running | undefined;
  readonly #calls = new Calls();

  constructor(private readonly emit: Emit) {
    this.#log = forwardingLog(emit);
  }

  async start(config: WorkerConfig): Promise<SessionInfo> {
    if (this.#running) throw zkError('INVALID_OPTION', 'the worker was already started');
    if (config.protocolVersion !== PROTOCOL_VERSION) {
      throw zkError(
        'INVALID_OPTION',
        `the main thread speaks protocol ${String(config.protocolVersion)}, this worker ${PROTOCOL_VERSION}`,
      );
    }
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

  registerServer(request: RegisterRequest, call?: CallContext): Promise<void> {
    return this.#calls.run(call, (signal) => this.#get().registrations.register(request, signal));
  }

  unregister(path: string, call?: CallContext): Promise<void> {
    return this.#calls.run(call, (signal) => this.#get().registrations.unregister(path, signal));
  }

  updateRegistration(request: RegisterRequest, call?: CallContext): Promise<void> {
    return this.#calls.run(call, (signal) => this.#get().registrations.update(request, signal));
  }

  async discardRegistration(path: string): Promise<void> {
    await this.#get().registrations.discard(path);
  }

  async adoptRegistrations(requests: readonly RegisterRequest[]): Promise<void> {
    this.#get().registrations.adopt(requests);
  }

  watchChildren(path: string, call?: CallContext): Promise<readonly string[]> {
    return this.#calls.run(call, (signal) => this.#get().watches.watchChildren(path, signal));
  }

  watchData(path: string, call?: CallContext): Promise<DataSnapshot> {
    return this.#calls.run(call, (signal) => this.#get().watches.watchData(path, signal));
  }

  getData(path: string, call?: CallContext): Promise<DataSnapshot> {
    return this.#calls.run(call, async (signal) => {
      const { session } = this.#get();
      const { data, stat } = await session.run((client) => getData(client, path), undefined, signal);
      return {
        properties: decodeProperties(data).properties,
        mzxid: zxid(stat.mzxid).toString(),
        version: stat.version,
      };
    });
  }

  getChildren(path: string, call?: CallContext): Promise<readonly string[]> {
    return this.#calls.run(call, async (signal) => {
      const { session } = this.#get();
      const { children } = await session.run((client) => getChildren(client, path), undefined, signal);
      return children.sort();
    });
  }

  exists(path: string, call?: CallContext): Promise<NodeStat | null> {
    return this.#calls.run(call, async (signal) => {
      const { session } = this.#get();
      const stat = await session.run((client) => exists(client, path), undefined, signal);
      return stat === null ? null : nodeStat(stat);
    });
  }

  /** One-way commands (see @zkit/protocol's messages.ts); a command for a closed or unstarted worker has nothing to do. */
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

  writeProperties(path: string, mode: PropertiesWrite, json: string, call?: CallContext): Promise<void> {
    return this.#calls.run(call, (signal) => {
      const { session, watches, config } = this.#get();
      const writer = { session, watches, maxDataBytes: config.maxDataBytes, log: this.#log };
      return writeProperties(writer, path, mode, json, signal);
    });
  }

  ensure(path: string, json: string, call?: CallContext): Promise<boolean> {
    return this.#calls.run(call, async (signal) => {
      const { session, config } = this.#get();
      parsePatch(json, path);
      return session.run(createPersistent(path, Buffer.from(json), config.parentAcl), undefined, signal);
    });
  }

  delete(path: string, call?: CallContext): Promise<void> {
    return this.#calls.run(call, async (signal) => {
      const { session } = this.#get();
      await session.run(
        (client) => remove(client, path).catch((error: ZkError) => ignoreNoNode(error)),
        undefined,
        signal,
      );
    });
  }

  readTree(path: string, exclude: readonly string[], call?: CallContext): Promise<WireTreeNode> {
    return this.#calls.run(call, (signal) => {
      const skipped = new Set(exclude);
      return this.#get().session.run((client) => readTree(client, path, skipped), undefined, signal);
    });
  }

  listChildren(path: string, call?: CallContext): Promise<NodeListing | null> {
    return this.#calls.run(call, (signal) =>
      this.#get().session.run(
        async (client) => {
          try {
            const { children, stat } = await getChildren(client, path);
            return { stat: nodeStat(stat), children: children.sort() };
          } catch (error) {
            ignoreNoNode(error as ZkError);
            return null;
          }
        },
        undefined,
        signal,
      ),
    );
  }

  multi(ops: readonly MultiOp[], call?: CallContext): Promise<void> {
    // Never repeated: a transaction whose answer was lost may have been applied, and its compare-and-set would then
    // fail against our own write.
    return this.#calls.run(call, (signal) =>
      this.#get().session.run(
        (client) => multi(client, ops),
        () => false,
        signal,
      ),
    );
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
    let registrations: EphemeralRegistry | undefined;
    const session = new Session(config, log, {
      onState: (state, handle) => this.emit({ type: 'state', state, ...(handle ? { session: handle } : {}) }),
      onNewSession: () => {
        watches?.rearmAll();
        registrations?.restoreAll();
      },
      onReconnected: () => watches?.reconnected(),
      onFailure: (error) =>
        this.emit({ type: 'failure', failure: { kind: 'session', error: error.toWire() } }),
    });
    watches = new Watches(session, this.emit, log, config.incrementalChildrenFrom);
    registrations = new EphemeralRegistry(session, watches, config, log, (failure) =>
      this.emit({ type: 'failure', failure }),
    );
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

function ignoreNoNode(error: ZkError): void {
  if (error.code !== 'NO_NODE') throw error;
}
