import zookeeper from 'node-zookeeper-client';
import { abortedError, throwIfAborted } from './calls.js';
import { type Deferred, deferred } from './deferred.js';
import { closedError, zkError } from './errors.js';
import { errorFields, type Log } from './log-forward.js';
import type { SessionHandle, SessionInfo, SessionState, WorkerConfig } from './protocol.js';
import { delay, exponentialBackoff, type RetryPolicy } from './retry.js';
import { batchWritesPerTurn } from './write-batching.js';
import { type Client, sessionIdHex } from './zk-ops.js';

/**
 * The session state machine. node-zookeeper-client keeps one session alive across disconnects (re-sending auth
 * and watches itself), but after EXPIRED that client is finished for good; this class replaces it with a new
 * client and tells its listeners, who restore registrations and re-arm watches.
 *
 *   connecting ──▶ connected ◀──▶ disconnected
 *                     │               │
 *                     └──▶ expired ◀──┘ ──(new client, backoff)──▶ connecting ──▶ connected (new session)
 *   any ──▶ closed
 */
export interface SessionEvents {
  onState(state: SessionState, session: SessionHandle | undefined): void;
  /** A new session replaced an expired one (or the first one resumed nothing): restore what the old one held. */
  onNewSession(client: Client, epoch: number): void;
  /** The same session on a new connection (node-zookeeper-client re-set its one-shot watches itself). */
  onReconnected(): void;
}

export class Session {
  #state: SessionState = 'connecting';
  #client: Client | undefined;
  #epoch = 0;
  #ready: Deferred<Client> = deferred();
  /** Settles once: the first session of this worker, or the connect timeout. */
  readonly #opened: Deferred<void> = deferred();
  readonly #retry: RetryPolicy;
  /** Hex ids of every session this process held, newest last: their stale ephemeral nodes are ours. */
  readonly ownSessions: string[];

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Log,
    private readonly events: SessionEvents,
  ) {
    this.ownSessions = [...config.ownSessions];
    this.#retry = exponentialBackoff({ initial: 200, max: Math.max(1000, config.sessionTimeout) });
  }

  get state(): SessionState {
    return this.#state;
  }

  get epoch(): number {
    return this.#epoch;
  }

  get sessionId(): string | undefined {
    return this.#client ? sessionIdHex(this.#client.getSessionId()) : undefined;
  }

  /**
   * Resolves with a client that can take requests (it queues them through a mere disconnect); rejects with
   * ABORTED as soon as `signal` fires.
   */
  ready(signal?: AbortSignal): Promise<Client> {
    if (this.#state === 'closed') return Promise.reject(closedError());
    if (signal === undefined) return this.#ready.promise;
    if (signal.aborted) return Promise.reject(abortedError());
    return new Promise<Client>((resolve, reject) => {
      const onAbort = () => reject(abortedError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.#ready.promise
        .finally(() => signal.removeEventListener('abort', onAbort))
        .then(resolve, reject);
    });
  }

  /**
   * Runs `op` with a live client, again after a lost connection or session, while `wanted()` holds: for requests
   * that are safe to repeat (a read, an idempotent write). A lost request may or may not have been applied.
   * `signal` gives up (ABORTED) while waiting for a session or between attempts, never with a request in flight.
   */
  async run<T>(
    op: (client: Client) => Promise<T>,
    wanted: () => boolean = () => true,
    signal?: AbortSignal,
  ): Promise<T> {
    for (;;) {
      const client = await this.ready(signal);
      throwIfAborted(signal);
      try {
        return await op(client);
      } catch (error) {
        if (!isLost(error) || !wanted()) throw error;
      }
      // The pause only keeps a dead client from spinning this loop; ready() does the real waiting.
      await delay(LOST_PAUSE_MS);
      throwIfAborted(signal);
    }
  }

  /** Opens the first session, resuming `config.resume` when given; rejects with CONNECT_TIMEOUT. */
  async open(): Promise<SessionInfo> {
    const client = this.#startClient(this.config.resume);
    const timer = setTimeout(
      () => this.#opened.reject(connectTimeout(this.config)),
      this.config.connectTimeout,
    );
    try {
      await this.#opened.promise;
    } catch (error) {
      this.#stopClient(this.#client ?? client);
      this.#transition('closed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const current = this.#client ?? client;
    return { sessionId: sessionIdHex(current.getSessionId()), timeout: current.getSessionTimeout() };
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const client = this.#client;
    // Only a connected client can send closeSession (which deletes our ephemeral nodes at once); waiting on any
    // other would only wait out the bound.
    const connected = this.#state === 'connected';
    this.#transition('closed');
    for (const pending of [this.#ready, this.#opened]) {
      pending.reject(closedError());
      pending.promise.catch(() => {});
    }
    if (client) await closeClient(client, connected ? 2000 : 0);
  }

  #startClient(resume: SessionHandle | undefined): Client {
    const epoch = ++this.#epoch;
    const client = zookeeper.createClient(this.config.connectionString, {
      sessionTimeout: this.config.sessionTimeout,
      spinDelay: 200,
      retries: 0,
      ...(resume
        ? { sessionId: Buffer.from(resume.id, 'hex'), sessionPassword: Buffer.from(resume.password) }
        : {}),
    } as Partial<zookeeper.Option>);
    for (const { scheme, credentials } of this.config.auth)
      client.addAuthInfo(scheme, Buffer.from(credentials));
    if (!batchWritesPerTurn(client))
      this.log.debug({}, 'node-zookeeper-client internals changed: requests written one by one');
    client.on('state', (state: zookeeper.State) => {
      if (epoch === this.#epoch) this.#onClientState(client, state, resume);
    });
    this.#client = client;
    client.connect();
    return client;
  }

  #onClientState(client: Client, state: zookeeper.State, resume: SessionHandle | undefined): void {
    if (this.#state === 'closed') return;
    switch (state.code) {
      case zookeeper.State.SYNC_CONNECTED.code:
        this.#onConnected(client, resume);
        return;
      case zookeeper.State.DISCONNECTED.code:
        if (this.#state === 'connected') this.#transition('disconnected');
        return;
      case zookeeper.State.EXPIRED.code:
        this.#onExpired(client);
        return;
      case zookeeper.State.AUTH_FAILED.code:
        this.log.error({}, 'ZooKeeper refused the credentials; starting a new session');
        this.#onExpired(client);
        return;
      default:
        this.log.debug({ state: state.name }, 'ignored client state');
    }
  }

  #onConnected(client: Client, resume: SessionHandle | undefined): void {
    const id = sessionIdHex(client.getSessionId());
    const isNew = !this.ownSessions.includes(id);
    if (isNew) this.ownSessions.push(id);
    this.log.info(
      { sessionId: id, timeout: client.getSessionTimeout() },
      isNew ? 'session started' : 'reconnected',
    );
    this.#transition('connected');
    this.#ready.resolve(client);
    this.#opened.resolve();
    // A resumed session (worker replaced) kept its nodes, but its watches lived in the old client: re-arm them.
    if (isNew || resume !== undefined) this.events.onNewSession(client, this.#epoch);
    else this.events.onReconnected();
  }

  #onExpired(client: Client): void {
    const id = sessionIdHex(client.getSessionId());
    this.log.warn({ sessionId: id }, 'session expired; its ephemeral nodes and watches are gone');
    this.#ready = deferred();
    this.#transition('expired');
    this.#stopClient(client);
    void this.#renew();
  }

  /** A new session with backoff: node-zookeeper-client itself never recovers from EXPIRED. */
  async #renew(): Promise<void> {
    for (let attempt = 1; this.#state === 'expired'; attempt++) {
      const wait = this.#retry(attempt) ?? 5000;
      await delay(wait);
      if (this.#state !== 'expired') return;
      this.#transition('connecting');
      const client = this.#startClient(undefined);
      const connected = await Promise.race([
        this.#ready.promise.then(() => true),
        delay(this.config.connectTimeout).then(() => false),
      ]);
      if (connected || !this.#is('connecting')) return;
      this.log.warn({ attempt }, 'no new session yet; retrying');
      this.#stopClient(client);
      this.#transition('expired');
    }
  }

  /** A method, not a comparison, because the state changes across the awaits above. */
  #is(state: SessionState): boolean {
    return this.#state === state;
  }

  #stopClient(client: Client): void {
    client.removeAllListeners('state');
    void closeClient(client, 0).catch((error: unknown) => this.log.debug(errorFields(error), 'client close'));
  }

  #transition(next: SessionState): void {
    if (this.#state === next) return;
    this.#state = next;
    const handle = next === 'connected' ? this.handle() : undefined;
    this.events.onState(next, handle);
  }

  /** The id and password that let a replacement worker resume this session. */
  handle(): SessionHandle | undefined {
    const client = this.#client;
    if (!client) return undefined;
    return { id: sessionIdHex(client.getSessionId()), password: new Uint8Array(client.getSessionPassword()) };
  }
}

function closeClient(client: Client, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    timer.unref();
    client.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.close();
  });
}

const LOST_PAUSE_MS = 50;

/** The request died with its connection or session; the server may or may not have applied it. */
export function isLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'CONNECTION_LOSS' || code === 'SESSION_EXPIRED';
}

function connectTimeout(config: WorkerConfig) {
  return zkError(
    'CONNECT_TIMEOUT',
    `could not connect to ZooKeeper at ${config.connectionString} within ${config.connectTimeout} ms`,
  );
}
