import {
  closedError,
  delay,
  type EndlessRetryPolicy,
  exponentialBackoff,
  type SessionHandle,
  type SessionInfo,
  type SessionState,
  sessionRenewalBackoff,
  type WorkerConfig,
  type ZkError,
  zkError,
} from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { throwIfAborted } from '../calls.js';
import { type Deferred, deferred } from '../deferred.js';
import { errorFields, type Log } from '../log-forward.js';
import { saslFailure } from '../nzc/sasl.js';
import { onSocketErrors } from '../nzc/socket-errors.js';
import { connectOverTls } from '../nzc/tls-connect.js';
import { isLost } from './lost.js';
import { type Client, sessionIdHex } from './ops.js';
import { SessionGates } from './ready-gate.js';
import {
  type CreateClient,
  connectTimeout,
  createZooKeeperClient,
  type Link,
  makeClient,
  newLink,
  stopLink,
  verifyCredentials,
} from './session-link.js';
import { serverCount, TlsFailures } from './tls-failures.js';
import { plainToTlsError } from './tls-probe.js';

export type { CreateClient } from './session-link.js';

/**
 * The session state machine. node-zookeeper-client keeps one session alive across disconnects (re-sending auth
 * and watches itself), but after EXPIRED that client is finished for good; this class replaces it with a new
 * client and tells its listeners, who restore registrations and re-arm watches. A session counts as connected
 * only once the server has answered its credentials (see verifyCredentials).
 *
 *   connecting ──▶ connected ◀──▶ disconnected
 *       │             │               │
 *       │             └──▶ expired ◀──┘ ──(new client, backoff)──▶ connecting ──▶ connected (new session)
 *       └──(credentials refused)──▶ auth_failed   final: no new client; calls reject with AUTH_FAILED
 *   any ──▶ closed
 */
export interface SessionEvents {
  onState(state: SessionState, session: SessionHandle | undefined): void;
  /** A new session replaced an expired one, or a client connected for the first time: restore what it lacks. */
  onNewSession(client: Client, epoch: number): void;
  /** The same session on a new connection (node-zookeeper-client re-set its one-shot watches itself). */
  onReconnected(): void;
  /** A failure away from any call: ZooKeeper refused the credentials of a later session (now auth_failed). */
  onFailure(error: ZkError): void;
}

/** Older sessions' ephemeral nodes are long expired (each within its session timeout): no need to know them. */
const OWN_SESSIONS_KEPT = 32;

export class Session {
  #state: SessionState = 'connecting';
  #link: Link | undefined;
  #epoch = 0;
  readonly #gates = new SessionGates();
  /** Settles once: the first session of this worker, or the connect timeout, or refused credentials. */
  readonly #opened: Deferred<void> = deferred();
  #everConnected = false;
  readonly #retry: EndlessRetryPolicy;
  /** With ConnectOptions.tls: what became of each connection's handshake (see tls-failures.ts). */
  readonly #tls: TlsFailures | undefined;
  /** Without tls: the servers answered TLS to a first connect that would not come up (see tls-probe.ts). */
  #plainToTls: ZkError | undefined;
  /** node's message for the last plain connection that failed, for the CONNECT_TIMEOUT of the first open. */
  #lastSocketError: string | undefined;
  /** Hex ids of the newest sessions this process held, newest last: their stale ephemeral nodes are ours. */
  readonly ownSessions: string[];

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Log,
    private readonly events: SessionEvents,
    private readonly createClient: CreateClient = createZooKeeperClient,
  ) {
    this.ownSessions = config.ownSessions.slice(-OWN_SESSIONS_KEPT);
    this.#retry = exponentialBackoff(sessionRenewalBackoff(config.sessionTimeout));
    this.#tls = config.tls
      ? new TlsFailures(serverCount(config.connectionString), log, {
          onHopeless: (error) => this.#opened.reject(error),
          onFailure: (error) => this.events.onFailure(error),
        })
      : undefined;
  }

  get state(): SessionState {
    return this.#state;
  }

  get epoch(): number {
    return this.#epoch;
  }

  get sessionId(): string | undefined {
    return this.#link ? sessionIdHex(this.#link.client.getSessionId()) : undefined;
  }

  /**
   * Resolves with a client that can take requests (it queues them through a mere disconnect); rejects with
   * ABORTED as soon as `signal` fires, with AUTH_FAILED once the credentials were refused.
   */
  ready(signal?: AbortSignal): Promise<Client> {
    return this.#gates.ready.wait(signal);
  }

  /**
   * Resolves with the client once it is connected. A request node-zookeeper-client queues while disconnected is
   * written on the next connection whatever became of its caller; one sent only when connected is either answered
   * or lost with that connection, so a caller that gives up (an AbortSignal) in between leaves nothing behind.
   */
  connected(signal?: AbortSignal): Promise<Client> {
    return this.#gates.live.wait(signal);
  }

  /** Settles when the current client is gone (expired, refused, closed): its watchers will never fire. */
  ended(): Promise<void> {
    return this.#link?.ended.promise ?? Promise.resolve();
  }

  /**
   * Runs `op` with a live client, again after a lost connection or session, while `wanted()` holds: for requests
   * that are safe to repeat (a read, an idempotent write). A lost request may or may not have been applied.
   * `signal` gives up (ABORTED) while waiting for a session or between attempts, never with a request in flight;
   * with a signal, requests are sent only on a live connection (see connected()).
   */
  async run<T>(
    op: (client: Client) => Promise<T>,
    wanted: () => boolean = () => true,
    signal?: AbortSignal,
  ): Promise<T> {
    for (;;) {
      const client = await (signal ? this.connected(signal) : this.ready());
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

  /**
   * Opens the first session, resuming `config.resume` when given. Resolves once the server accepted the
   * credentials; rejects with CONNECT_TIMEOUT, or AUTH_FAILED (after which no other session is tried), or
   * TLS_ERROR: at once when every server failed its TLS handshake, else at the timeout when one did.
   */
  async open(): Promise<SessionInfo> {
    const link = this.#start(this.config.resume);
    const timer = setTimeout(
      () =>
        this.#opened.reject(
          this.#tls?.error() ?? this.#plainToTls ?? connectTimeout(this.config, this.#lastSocketError),
        ),
      this.config.connectTimeout,
    );
    const probe = this.#probePlainToTls();
    try {
      await this.#opened.promise;
    } catch (error) {
      this.#stop(this.#link ?? link);
      this.#transition('closed');
      this.#gates.fail(closedError());
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(probe);
    }
    const { client } = this.#link ?? link;
    return { sessionId: sessionIdHex(client.getSessionId()), timeout: client.getSessionTimeout() };
  }

  /** Without tls, half-way through connectTimeout: do the servers only speak TLS? Their answer names the timeout. */
  #probePlainToTls(): NodeJS.Timeout | undefined {
    if (this.config.tls) return undefined;
    const half = this.config.connectTimeout / 2;
    return setTimeout(() => {
      plainToTlsError(this.config.connectionString, Math.min(PROBE_TIMEOUT_MS, half / 2)).then(
        (error) => {
          this.#plainToTls = error;
        },
        (error: unknown) => this.log.debug(errorFields(error), 'TLS probe failed'),
      );
    }, half);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const link = this.#link;
    // Only a connected client can send closeSession (which deletes our ephemeral nodes at once); waiting on any
    // other would only wait out the bound.
    const connected = this.#state === 'connected';
    this.#transition('closed');
    this.#gates.fail(closedError());
    this.#opened.reject(closedError());
    this.#opened.promise.catch(() => {});
    if (link) await stopLink(link, connected ? 2000 : 0, this.log);
  }

  /** The id and password that let a replacement worker resume this session. */
  handle(): SessionHandle | undefined {
    const client = this.#link?.client;
    if (!client) return undefined;
    return { id: sessionIdHex(client.getSessionId()), password: new Uint8Array(client.getSessionPassword()) };
  }

  #start(resume: SessionHandle | undefined): Link {
    const client = makeClient(this.createClient, this.config, resume, this.log);
    const link = newLink(client, ++this.#epoch, this.config);
    if (!this.config.tls) this.#hearSocketErrors(link);
    if (this.#tls && this.config.tls) {
      const hooks = this.#tls.hooks({
        everUp: () => this.#everConnected,
        current: () => link === this.#link && !link.stopped,
      });
      // Unpatched, the client would connect in the clear, which is not what was asked for: refused instead.
      if (!connectOverTls(client, this.config.tls, hooks)) {
        throw zkError('INTERNAL', 'node-zookeeper-client internals changed: TLS is unavailable');
      }
    }
    link.client.on('state', (state: zookeeper.State) => {
      if (link === this.#link) this.#onClientState(link, state);
    });
    this.#link = link;
    link.client.connect();
    return link;
  }

  /** A plain connection that failed says why only here (TLS ones through their hooks): kept for CONNECT_TIMEOUT. */
  #hearSocketErrors(link: Link): void {
    onSocketErrors(link.client, (error) => {
      if (link !== this.#link || link.stopped) return;
      this.#lastSocketError = error.message;
      this.log.debug(errorFields(error), 'could not reach a ZooKeeper server');
    });
  }

  #onClientState(link: Link, state: zookeeper.State): void {
    if (this.#state === 'closed' || this.#state === 'auth_failed') return;
    switch (state.code) {
      case zookeeper.State.SYNC_CONNECTED.code:
        this.#onSyncConnected(link);
        return;
      case zookeeper.State.DISCONNECTED.code:
        this.#gates.disconnected();
        if (this.#state === 'connected') this.#transition('disconnected');
        return;
      case zookeeper.State.EXPIRED.code:
        this.#onExpired(link);
        return;
      case zookeeper.State.AUTH_FAILED.code:
        this.#onAuthFailed(link);
        return;
      default:
        this.log.debug({ state: state.name }, 'ignored client state');
    }
  }

  #onSyncConnected(link: Link): void {
    if (link.verified) {
      this.#onConnected(link);
      return;
    }
    verifyCredentials(link.client).then(
      () => {
        if (link !== this.#link || link.verified || this.#state === 'closed' || this.#state === 'auth_failed')
          return;
        link.verified = true;
        this.#onConnected(link);
      },
      (error: unknown) => {
        // Anything but a refusal was a lost connection: the next SYNC_CONNECTED sends the credentials again.
        if ((error as ZkError).code === 'AUTH_FAILED' && link === this.#link) this.#onAuthFailed(link);
      },
    );
  }

  #onConnected(link: Link): void {
    const { client } = link;
    const id = sessionIdHex(client.getSessionId());
    const first = link.first;
    link.first = false;
    this.#remember(id);
    this.log.info(
      { sessionId: id, timeout: client.getSessionTimeout() },
      first ? 'session started' : 'reconnected',
    );
    this.#everConnected = true;
    this.#transition('connected');
    this.#gates.connected(client);
    this.#opened.resolve();
    if (first) this.events.onNewSession(client, link.epoch);
    else this.events.onReconnected();
  }

  #onExpired(link: Link): void {
    this.log.warn({ sessionId: this.sessionId }, 'session expired; its ephemeral nodes and watches are gone');
    this.#gates.expired();
    this.#transition('expired');
    this.#stop(link);
    // #renew ends by itself when the session closes; a throw there must not become an unhandled rejection.
    this.#renew().catch((error: unknown) =>
      this.log.error(errorFields(error), 'could not renew the session'),
    );
  }

  /**
   * Final: the same credentials would be refused again, and every try would leave one more session on the server
   * until its timeout. The client is stopped and nothing opens another.
   */
  #onAuthFailed(link: Link): void {
    if (this.#state === 'auth_failed' || this.#state === 'closed') return;
    // SASL says why (a refused password, a server without SASL); its message never holds the password.
    const error =
      saslFailure(link.client) ??
      zkError('AUTH_FAILED', 'ZooKeeper refused the credentials (ConnectOptions.auth)');
    this.log.error(
      { sessionId: this.sessionId, reason: error.message },
      'ZooKeeper refused the credentials; no new session will be opened',
    );
    this.#stop(link);
    this.#gates.fail(error);
    this.#opened.reject(error);
    this.#transition('auth_failed');
    if (this.#everConnected) this.events.onFailure(error);
  }

  /** A new session with backoff: node-zookeeper-client itself never recovers from EXPIRED. */
  async #renew(): Promise<void> {
    for (let attempt = 1; this.#is('expired'); attempt++) {
      await delay(this.#retry(attempt));
      if (!this.#is('expired')) return;
      this.#transition('connecting');
      const link = this.#start(undefined);
      // close() and a refusal reject #ready: both end this loop below, through the state.
      const connected = await Promise.race([
        this.#gates.ready.wait().then(
          () => true,
          () => false,
        ),
        delay(this.config.connectTimeout).then(() => false),
      ]);
      if (connected || link !== this.#link || !this.#is('connecting')) return;
      this.log.warn({ attempt }, 'no new session yet; retrying');
      this.#stop(link);
      this.#transition('expired');
    }
  }

  /** A method, not a comparison, because the state changes across the awaits above. */
  #is(state: SessionState): boolean {
    return this.#state === state;
  }

  #remember(id: string): void {
    if (this.ownSessions.includes(id)) return;
    this.ownSessions.push(id);
    if (this.ownSessions.length > OWN_SESSIONS_KEPT) this.ownSessions.shift();
  }

  #stop(link: Link): void {
    void stopLink(link, 0, this.log);
  }

  #transition(next: SessionState): void {
    if (this.#state === next) return;
    this.#state = next;
    const handle = next === 'connected' ? this.handle() : undefined;
    this.events.onState(next, handle);
  }
}

const LOST_PAUSE_MS = 50;
/** Bound of one server's answer to the TLS probe (loopback answers in milliseconds, a WAN in a few hundred). */
const PROBE_TIMEOUT_MS = 2000;
