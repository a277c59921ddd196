import { type SessionHandle, type WorkerConfig, type ZkError, zkError } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { type Deferred, deferred } from '../deferred.js';
import { errorFields, type Log } from '../log-forward.js';
import { closeClient } from '../nzc/close.js';
import { failQueued } from '../nzc/fail-queued.js';
import { boundHandshake } from '../nzc/handshake.js';
import { authenticateWithSasl } from '../nzc/sasl.js';
import { batchWritesPerTurn } from '../nzc/write-batching.js';
import { type Client, exists } from './ops.js';

/**
 * One node-zookeeper-client client as the session uses it: made, verified, stopped. The state machine that decides
 * when to make one is session.ts.
 */
export type CreateClient = (connectionString: string, options: Partial<zookeeper.Option>) => Client;

export const createZooKeeperClient: CreateClient = (connectionString, options) =>
  zookeeper.createClient(connectionString, options);

/** One client of the session; a new one after every expiry. */
export interface Link {
  readonly client: Client;
  readonly epoch: number;
  /**
   * No connect handled yet. A client's first connect is a new session, or a resumed one whose watches lived in
   * another worker's client; every later connect of the same client is the same session on a new connection
   * (the library asks for its own session id, and an expired one ends in EXPIRED, never in another session).
   */
  first: boolean;
  /** The server answered this client's credentials (nothing to verify without credentials). */
  verified: boolean;
  stopped: boolean;
  /** Settles when the client is stopped: watchers set through it will never fire. */
  readonly ended: Deferred<void>;
}

export function newLink(client: Client, epoch: number, config: WorkerConfig): Link {
  return {
    client,
    epoch,
    first: true,
    verified: config.auth.length === 0,
    stopped: false,
    ended: deferred(),
  };
}

/** Stops hearing from the link's client and closes it, at most once; waiting for its watchers ends. */
export function stopLink(link: Link, waitMs: number, log: Log): Promise<void> {
  link.client.removeAllListeners('state');
  link.ended.resolve();
  if (link.stopped) return Promise.resolve();
  link.stopped = true;
  // What it queued while disconnected would otherwise never be answered: the callers retry on the next client.
  failQueued(link.client);
  // closeClient hears the end from the connection's own state, not from the 'state' listener just removed.
  return closeClient(link.client, waitMs).catch((error: unknown) =>
    log.debug(errorFields(error), 'client close'),
  );
}

/** A client for `config`, resuming `resume` when given; not connected yet. */
export function makeClient(
  create: CreateClient,
  config: WorkerConfig,
  resume: SessionHandle | undefined,
  log: Log,
): Client {
  const client = create(config.connectionString, {
    sessionTimeout: config.sessionTimeout,
    spinDelay: 200,
    retries: 0,
    // Undocumented options of node-zookeeper-client's ConnectionManager: resume a session by id and password.
    ...(resume
      ? { sessionId: Buffer.from(resume.id, 'hex'), sessionPassword: Buffer.from(resume.password) }
      : {}),
  } as Partial<zookeeper.Option>);
  for (const { scheme, credentials } of config.auth) client.addAuthInfo(scheme, Buffer.from(credentials));
  // Unpatched, the client would connect without the identity asked for: refused instead (the version is pinned).
  if (config.sasl && !authenticateWithSasl(client, config.sasl)) {
    throw zkError('INTERNAL', 'node-zookeeper-client internals changed: SASL authentication is unavailable');
  }
  if (!boundHandshake(client)) log.warn({}, 'node-zookeeper-client internals changed: handshakes unbounded');
  if (!batchWritesPerTurn(client))
    log.debug({}, 'node-zookeeper-client internals changed: requests written one by one');
  return client;
}

/**
 * Settles once the server has answered the credentials sent on this connection: resolves when it accepted them,
 * rejects with AUTH_FAILED when it refused them, or with CONNECTION_LOSS (the next connection verifies again).
 *
 * node-zookeeper-client writes its auth packets right after the ConnectRequest and reports SYNC_CONNECTED on the
 * ConnectResponse, before the server answered them; it flags AUTH_FAILED only when the auth reply comes. The
 * server handles one connection's packets in order, and after refusing credentials it closes the connection
 * (ZooKeeperServer.processPacket), upon which the library fails every pending request with AUTH_FAILED. So a
 * request sent now is answered after the auth reply: its success means the credentials were accepted.
 * `exists('/')` needs no permission and changes nothing.
 */
export async function verifyCredentials(client: Client): Promise<void> {
  await exists(client, '/');
}

/** `lastError`: why the last connection failed (node's message, e.g. "connect ECONNREFUSED 127.0.0.1:2181"). */
export function connectTimeout(config: WorkerConfig, lastError?: string): ZkError {
  const why = lastError === undefined ? '' : ` (last error: ${lastError})`;
  return zkError(
    'CONNECT_TIMEOUT',
    `could not connect to ZooKeeper at ${config.connectionString} within ${config.connectTimeout} ms${why}`,
  );
}
