/**
 * `@zkit/client/internal`: fault injection for tests of zkit and of applications built on it. Not a stable API.
 */
import type { Worker } from 'node:worker_threads';
import { type SessionHandle, zkError } from '@zkit/protocol';
import { closeClient } from '@zkit/worker/nzc';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { supervisors, type ZooKeeper } from './zookeeper.js';

/** The worker thread that holds `zk`'s session now (undefined while it is being replaced or after close). */
export function workerThread(zk: ZooKeeper): Worker | undefined {
  return supervisors.get(zk)?.thread;
}

export interface ExpireOptions {
  /**
   * Where to reach the session's ensemble; give the servers' own address when `zk` goes through a proxy that is
   * partitioned. @default the connection string `zk` was opened with
   */
  readonly connectionString?: string;
  /** Bound on the whole operation, in ms. @default 10000 */
  readonly timeout?: number;
}

/**
 * Ends `zk`'s current session on the server, as an expiry does: its ephemeral nodes and watches are gone, and
 * `zk` learns it as EXPIRED when its connection next meets the server. Resolves once the server refuses the
 * session. The classic trick (kazoo's and Curator's test harnesses): a second client joins the session with its
 * id and password, then closes it, which ends the session for both. Rejects NOT_CONNECTED when `zk` has no
 * session, OPERATION_TIMEOUT past `timeout`.
 */
export async function expireSession(zk: ZooKeeper, options: ExpireOptions = {}): Promise<void> {
  const supervisor = supervisors.get(zk);
  const session = supervisor?.session;
  if (!supervisor || !session) throw zkError('NOT_CONNECTED', 'this client has no session to expire');
  // Bracket access reaches the supervisor's private options on purpose: this module is fault injection.
  // biome-ignore lint/complexity/useLiteralKeys: TypeScript allows a private member only by bracket access
  const connectionString = options.connectionString ?? supervisor['options'].connectionString;
  const deadline = Date.now() + (options.timeout ?? 10_000);
  // The server hands the session to the newest connection and closes the older one; zkit's client reconnects at
  // once and may take the session back before our closeSession lands. So: join, close, and check by joining
  // again until the server answers that the session has expired.
  while (Date.now() < deadline) {
    const client = joinSession(connectionString, session);
    try {
      const outcome = await firstOf(client, deadline);
      if (outcome === 'expired') return;
      if (outcome === 'connected') await closeSession(client, deadline);
    } finally {
      // For good: the library reconnects after any lost connection unless closed this way, so a joined client whose
      // connection zkit took back would take the session back in turn. Not awaited: the next join need not wait.
      void closeClient(client);
    }
  }
  throw zkError('OPERATION_TIMEOUT', `session ${session.id} did not expire in time`);
}

/** node-zookeeper-client takes a session to join through options its types leave out (lib/ConnectionManager.js). */
type JoinOptions = Parameters<typeof zookeeper.createClient>[1] & {
  readonly sessionId: Buffer;
  readonly sessionPassword: Buffer;
};

function joinSession(connectionString: string, session: SessionHandle): Client {
  const options: JoinOptions = {
    sessionId: Buffer.from(session.id, 'hex'),
    sessionPassword: Buffer.from(session.password),
    retries: 0,
    spinDelay: 50,
  };
  const client = zookeeper.createClient(connectionString, options);
  client.connect();
  return client;
}

/** 'expired': the server refused the session (a ConnectResponse with timeout 0); 'connected': it took us in. */
function firstOf(client: Client, deadline: number): Promise<'connected' | 'expired' | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    timer.unref();
    const settle = (outcome: 'connected' | 'expired') => () => {
      clearTimeout(timer);
      resolve(outcome);
    };
    client.once('connected', settle('connected'));
    client.once('expired', settle('expired'));
  });
}

/** closeSession: the server ends the session; the library reports 'disconnected' once the socket closes. */
function closeSession(client: Client, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    timer.unref();
    client.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.close();
  });
}
