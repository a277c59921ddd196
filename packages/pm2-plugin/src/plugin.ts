// Wires PM2 to ZooKeeper. Every trigger (a bus event, an announcement, the daemon or ZooKeeper coming back, a
// retry) only asks for a sync; one sync runs at a time and the requests made meanwhile fold into the next one:
//
//   bus event / announce / reconnect / retry --request--> [dirty] --loop--> pm2.list() --> desiredNodes()
//                                                                          --> registry.sync() --> ZooKeeper
//
// A sync always starts from pm2.list(), never from an event's contents, so a lost or reordered event cannot
// leave the tree wrong: the next sync puts it right.
//
// An announcement is an event too, and one sent before the plugin subscribed to the bus is lost: so the first
// sync after each (re)subscription asks the processes not heard from since to announce again ('zkit:announce').
import type { JsonObject, SessionState } from '@zkit/client';
import { exponentialBackoff, type RetryPolicy } from '@zkit/protocol';
import { type Logger, pino } from 'pino';
import { Announcements, parseAnnouncement } from './announcements.js';
import { appFilter, DEFAULTS, type PluginConfig } from './config.js';
import { isPluginError } from './errors.js';
import { connectPm2, type Pm2Event, type Pm2Link } from './pm2-events.js';
import {
  awaitingAnnouncement,
  type DesiredState,
  desiredNodes,
  type ManagedProcess,
  type Skipped,
  type Target,
} from './reconcile.js';
import { curatorRegistrar, Registry, zkitRegistrar } from './registry.js';
import { type Served, servingProcesses } from './serving.js';
import { ZkConnection } from './zk-connection.js';

export interface PluginOptions {
  readonly config: PluginConfig;
  /** @default pino({ name: 'pm2-zkit', level: config.logLevel }) */
  readonly logger?: Logger;
  /** The plugin's own pm_id, never registered. @default process.env.pm_id (PM2 sets it for its processes) */
  readonly selfPmId?: number | undefined;
  /**
   * Delay before retrying a failed sync or ZooKeeper connection; a policy that gives up (null) waits its `max`.
   * @default exponentialBackoff(DEFAULTS.retry): 200 ms doubling to 10 s, full jitter, never giving up
   */
  readonly retry?: RetryPolicy;
  /** How long `connect()` to ZooKeeper tries before the plugin starts over. @default DEFAULTS.connectTimeout (30000) */
  readonly connectTimeout?: number;
  /**
   * How long a process with a new pid keeps the port its predecessor announced, for it to announce again.
   * @default DEFAULTS.announceGrace (10000)
   */
  readonly announceGrace?: number;
  /**
   * How long a process PM2 lists as stopped keeps its node, in case PM2 is restarting it (a restart passes through
   * 'stopped' for about PM2's kill check interval, 100 ms). @default DEFAULTS.restartGrace (500)
   */
  readonly restartGrace?: number;
}

/** A running plugin. `close()` ends the ZooKeeper session, so its nodes go at once, not after a timeout. */
export interface Plugin extends AsyncDisposable {
  /** What the plugin holds and how it fares, for `pm2 show`/`pm2 monit` (see monitor.ts) or a caller's own. */
  status(): PluginStatus;
  /**
   * Reads PM2's list again, asks every process to announce again, and puts the tree right; resolves with the status
   * after that sync (ZooKeeper not connected: nothing is written, the status says so).
   */
  resync(): Promise<PluginStatus>;
  close(): Promise<void>;
}

export interface PluginStatus {
  /** The nodes registered, by path, with their data. */
  readonly nodes: ReadonlyMap<string, JsonObject>;
  /** The ZooKeeper session's state; 'connecting' before the first session. */
  readonly session: SessionState;
  readonly sessionId: string | undefined;
  /** When the last sync ended with every step done; undefined before the first. */
  readonly lastSync: Date | undefined;
  /** Failures since start: syncs that threw, and steps (register, update, unregister) that failed. */
  readonly errors: number;
  /** Wanted nodes refused for good (bad input), logged; tried again when what is wanted changes. */
  readonly refused: number;
}

/** Connects to PM2 (rejects PM2_ERROR when it cannot) and starts registering; ZooKeeper is connected meanwhile. */
export async function startPlugin(options: PluginOptions): Promise<Plugin> {
  const plugin = new Pm2Zkit(options);
  await plugin.start();
  return plugin;
}

class Pm2Zkit implements Plugin {
  readonly #config: PluginConfig;
  readonly #log: Logger;
  readonly #target: Target;
  readonly #retry: RetryPolicy;
  readonly #connectTimeout: number;
  readonly #registry: Registry;
  readonly #announcements: Announcements;
  #pm2: Pm2Link | undefined;
  readonly #zk: ZkConnection;
  #dirty = false;
  #running: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAttempt = 0;
  /** Wakes a sync when an announcement's grace ends (`Announcements.applying`), at `#graceAt` (ms). */
  #graceTimer: NodeJS.Timeout | undefined;
  #graceAt = 0;
  /** What served each pm_id at the last sync: held through a restart (`servingProcesses`). */
  #lastServing = new Map<number, Served>();
  readonly #restartGrace: number;
  #pm2Lost = false;
  /** Set on (re)subscribing to the bus: the next sync asks the processes not heard from to announce again. */
  #askPending = false;
  /** pm_id -> app name of the processes heard announcing since the last (re)subscription. */
  readonly #heard = new Map<number, string>();
  #closing: Promise<void> | undefined;
  #lastSync: Date | undefined;
  #errors = 0;
  /** Aborted by close(): no sync or retry from then on. */
  readonly #closed = new AbortController();
  /** Skipped processes already logged, so a sync per event does not repeat the warning. */
  #skippedLogged = new Set<string>();

  constructor(options: PluginOptions) {
    this.#config = options.config;
    this.#log = options.logger ?? pino({ name: 'pm2-zkit', level: options.config.logLevel });
    this.#retry = options.retry ?? exponentialBackoff(DEFAULTS.retry);
    this.#connectTimeout = options.connectTimeout ?? DEFAULTS.connectTimeout;
    this.#restartGrace = options.restartGrace ?? DEFAULTS.restartGrace;
    this.#registry = new Registry(this.#log);
    this.#zk = new ZkConnection({
      config: this.#config,
      log: this.#log,
      retry: this.#retry,
      connectTimeout: options.connectTimeout ?? DEFAULTS.connectTimeout,
      onConnected: () => this.#request(),
    });
    this.#announcements = new Announcements(
      this.#config.stateFile,
      this.#log,
      options.announceGrace ?? DEFAULTS.announceGrace,
    );
    this.#target = {
      root: this.#config.root,
      host: this.#config.host,
      selfPmId: options.selfPmId ?? ownPmId(),
      accepts: appFilter(this.#config.include, this.#config.exclude),
      format: this.#config.format,
      registerModules: this.#config.registerModules,
    };
  }

  async start(): Promise<void> {
    const { connect: connection, root, format, host, sessionTimeout, include, exclude } = this.#config;
    // Whether TLS and SASL are on, and as whom; never a file's content.
    const { tls, saslUser } = this.#config;
    this.#log.info(
      { connect: connection, root, format, host, sessionTimeout, include, exclude, tls, saslUser },
      'pm2-zkit starting',
    );
    await this.#announcements.load();
    this.#pm2 = await connectPm2((event) => this.#onEvent(event));
    this.#subscribed();
    this.#zk.start();
  }

  status(): PluginStatus {
    return {
      nodes: this.#registry.snapshot(),
      session: this.#zk.zk?.state ?? (this.#closed.signal.aborted ? 'closed' : 'connecting'),
      sessionId: this.#zk.zk?.sessionId,
      lastSync: this.#lastSync,
      errors: this.#errors,
      refused: this.#registry.refused,
    };
  }

  async resync(): Promise<PluginStatus> {
    this.#log.info('resync asked for');
    this.#subscribed();
    // The request is folded into the running loop, which ends only once no request is left.
    await this.#running;
    return this.status();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onEvent(event: Pm2Event): void {
    switch (event.type) {
      case 'process':
        this.#log.debug({ event: event.event, pm_id: event.pmId, app: event.name }, 'PM2 process event');
        this.#request();
        return;
      case 'announce':
        this.#onAnnounce(event.pmId, event.name, event.data);
        return;
      case 'bus':
        // axon reports every reconnection attempt; one warning per outage is enough.
        if (event.state === 'down' && !this.#pm2Lost) this.#log.warn('lost the PM2 daemon; reconnecting');
        if (event.state === 'up') {
          this.#log.info('PM2 daemon connected; reconciling with its process list');
          this.#subscribed();
        }
        this.#pm2Lost = event.state === 'down';
        return;
      default:
        event satisfies never;
    }
  }

  /** Just subscribed to the bus (start, reconnection): sync, and ask who may have announced unheard. */
  #subscribed(): void {
    this.#heard.clear();
    this.#askPending = true;
    this.#request();
  }

  #onAnnounce(pmId: number, name: string, data: unknown): void {
    this.#heard.set(pmId, name);
    try {
      const announcement = parseAnnouncement(pmId, name, data);
      this.#announcements.set(announcement);
      this.#log.info(
        { pm_id: pmId, app: name, port: announcement.port, path: announcement.path },
        'port announced',
      );
      this.#request();
    } catch (error) {
      if (!isPluginError(error)) throw error;
      this.#log.warn({ pm_id: pmId, app: name, code: error.code }, error.message);
    }
  }

  /** Asks for a sync; the running loop picks it up, or a new loop starts. */
  #request(): void {
    if (this.#closed.signal.aborted) return;
    this.#dirty = true;
    this.#running ??= this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      while (this.#dirty && !this.#closed.signal.aborted) {
        this.#dirty = false;
        try {
          await this.#sync();
        } catch (error) {
          this.#errors++;
          this.#log.error({ err: error }, 'sync failed; will retry');
          this.#scheduleRetry();
        }
      }
    } finally {
      // In the same step as the last look at #dirty: a request made after it starts a new loop, none is lost.
      this.#running = undefined;
    }
  }

  async #sync(): Promise<void> {
    const pm2 = this.#pm2;
    if (pm2 === undefined) return;
    let processes: ManagedProcess[];
    try {
      processes = await pm2.list();
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot list PM2 processes; will retry');
      this.#scheduleRetry();
      return;
    }
    const { nodes, skipped } = this.#desired(pm2, processes);
    this.#logSkipped(skipped);
    // Without a session yet, nothing to do: the connection requests a sync when it is up.
    const zk = this.#zk.zk;
    if (zk === undefined) return;
    const registrar = this.#config.format === 'curator' ? curatorRegistrar(zk) : zkitRegistrar(zk);
    const { retry, failed } = await this.#registry.sync(nodes, registrar);
    this.#errors += failed;
    if (failed === 0) this.#lastSync = new Date();
    this.#zk.saveSession(this.#registry.snapshot().keys());
    await this.#zk.removeOrphans(this.#registry.snapshot());
    if (retry) this.#scheduleRetry();
    else this.#retryAttempt = 0;
  }

  /**
   * What the tree should hold for PM2's list: each pm_id served by its process, or through a restart by the one that
   * served last; the announcements that apply to them (asking processes to announce where that is due).
   */
  #desired(pm2: Pm2Link, processes: readonly ManagedProcess[]): DesiredState {
    this.#log.trace(
      {
        processes: processes.map(({ pmId, name, status, pid, replaced }) => ({
          pmId,
          name,
          status,
          pid,
          replaced,
        })),
      },
      'PM2 list',
    );
    this.#announcements.prune(new Set(processes.map((process) => process.pmId)));
    // Through a restart or reload, the process that served last holds its node: no gap for watchers.
    const now = Date.now();
    const { serving, next, holdEndsIn, held } = servingProcesses(
      processes,
      this.#lastServing,
      now,
      this.#restartGrace,
    );
    this.#lastServing = next;
    this.#syncIn(holdEndsIn);
    const applying = this.#announcements.applying(serving, now, held);
    this.#syncIn(applying.graceEndsIn);
    if (this.#askPending) {
      this.#askPending = false;
      this.#askToAnnounce(pm2, awaitingAnnouncement(serving, this.#heard, this.#target));
    } else {
      this.#askToAnnounce(pm2, applying.renewed);
    }
    return desiredNodes(serving, applying.announcements, this.#target);
  }

  /**
   * Sends each process the request, not waiting: the answers come as announcements on the bus. A process that
   * does not listen ignores it; PM2 refusing (the process went offline meanwhile, has no IPC channel) is normal.
   */
  #askToAnnounce(pm2: Pm2Link, processes: readonly ManagedProcess[]): void {
    if (processes.length === 0) return;
    this.#log.debug({ pm_ids: processes.map((process) => process.pmId) }, 'asking processes to announce');
    for (const { pmId, name } of processes) {
      pm2.askToAnnounce(pmId).then(
        () => this.#log.debug({ pm_id: pmId, app: name }, 'asked to announce'),
        (error: unknown) =>
          this.#log.debug({ pm_id: pmId, app: name, err: error }, 'cannot ask the process to announce'),
      );
    }
  }

  /** A sync in `ms` (when an announcement's grace ends), unless one is due sooner. */
  #syncIn(ms: number | undefined): void {
    if (ms === undefined || this.#closed.signal.aborted) return;
    const at = Date.now() + ms;
    if (this.#graceTimer !== undefined && this.#graceAt <= at) return;
    clearTimeout(this.#graceTimer);
    this.#graceAt = at;
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      this.#request();
    }, ms);
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#closed.signal.aborted) return;
    const ms = this.#retry(++this.#retryAttempt) ?? DEFAULTS.retry.max;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#request();
    }, ms);
  }

  #logSkipped(skipped: readonly Skipped[]): void {
    const now = new Set<string>();
    for (const { pmId, name, reason } of skipped) {
      const key = `${pmId}\u0000${name}\u0000${reason}`;
      now.add(key);
      if (!this.#skippedLogged.has(key))
        this.#log.warn({ pm_id: pmId, app: name }, `not registered: ${reason}`);
    }
    this.#skippedLogged = now;
  }

  async #close(): Promise<void> {
    this.#closed.abort();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    // Stops a connection attempt under way; closing the session removes every node at once and makes pending calls
    // reject, so a sync in flight ends; nothing is left to resume.
    await this.#zk.close();
    this.#registry.forget();
    await this.#running;
    try {
      await this.#pm2?.close();
    } catch (error) {
      this.#log.warn({ err: error }, 'disconnecting from PM2 failed');
    }
    await this.#announcements.flush();
    this.#log.info('pm2-zkit stopped');
  }
}

/** PM2 gives each process its pm_id in the environment. */
function ownPmId(): number | undefined {
  const value = process.env.pm_id;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
