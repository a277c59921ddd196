import type { SessionState, ZooKeeper } from '@zkit/client';
import { expireSession, workerThread } from '@zkit/client/internal';
import { type ProxyHandle, startProxy, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import { onTestFinished } from 'vitest';

/**
 * A fault injected into a zkit client while a test runs: `inject()` a few times during the churn, `heal()` once
 * after it, and `evidence()` proves it really happened (a fault that silently did nothing would make a passing
 * test meaningless).
 */
export interface Fault {
  readonly name: string;
  /** The connection string the zkit client must use (through a proxy, for network faults). */
  readonly connectString: string;
  /** Called once the client is open: start recording what the fault will need as evidence. */
  attach(zk: ZooKeeper): void;
  inject(): Promise<void>;
  /** Undoes what lasts (a killed server restarted); resolves once the fault is over. */
  heal(): Promise<void>;
  /** What shows the fault happened, or undefined when nothing does. */
  evidence(): string | undefined;
}

/** Records a client's states and sessions, for evidence. */
function recorder(zk: ZooKeeper) {
  const states: SessionState[] = [];
  const sessions = new Set<string>();
  if (zk.sessionId) sessions.add(zk.sessionId);
  zk.onState((state) => {
    states.push(state);
    if (zk.sessionId) sessions.add(zk.sessionId);
  });
  return { states, sessions };
}

/** No fault: the baseline. */
export function noFault(connectString: string): Fault {
  return {
    name: 'none',
    connectString,
    attach: () => {},
    inject: async () => {},
    heal: async () => {},
    evidence: () => 'no fault asked for',
  };
}

/**
 * Connection drops through a proxy: each `inject()` resets the client's connection. With `holdReconnect`, the
 * reconnect is held (the proxy accepts it but forwards nothing) for `holdReconnect` ms after the client noticed, as
 * while an ensemble elects a leader: requests retried meanwhile wait in the client's queue and go out only after
 * the reconnect, behind its handshake.
 */
export async function connectionDrops(connectionString: string, holdReconnect = 0): Promise<Fault> {
  const proxy = await proxyFor(connectionString);
  let client: ZooKeeper | undefined;
  let seen: ReturnType<typeof recorder> | undefined;
  let drops = 0;
  return {
    name: holdReconnect > 0 ? 'connection drops, reconnect held' : 'connection drops',
    connectString: proxy.connectString + chrootOf(connectionString),
    attach: (zk) => {
      client = zk;
      seen = recorder(zk);
    },
    inject: async () => {
      drops++;
      if (holdReconnect === 0) {
        proxy.dropConnections();
        return;
      }
      proxy.pause();
      proxy.dropConnections();
      try {
        await waitFor(() => client?.state === 'disconnected', { message: 'the client to notice the drop' });
        // The length of the outage is the fault itself (an election takes about this long), not a wait for a result.
        await new Promise((resolve) => setTimeout(resolve, holdReconnect));
      } finally {
        proxy.resume();
      }
    },
    heal: async () => {},
    evidence: () => {
      const disconnects = seen?.states.filter((state) => state === 'disconnected').length ?? 0;
      if (disconnects > 0 && seen?.sessions.size === 1)
        return `${drops} drops, ${disconnects} disconnects, one session, ${proxy.accepted} connections accepted`;
      // Said on stdout, so a failing run tells which half of the evidence was missing.
      console.log(
        `connection drops: no evidence: ${drops} drops, states ${JSON.stringify(seen?.states)}, ` +
          `sessions ${JSON.stringify([...(seen?.sessions ?? [])])}, ${proxy.accepted} connections accepted`,
      );
      return undefined;
    },
  };
}

/** The worker thread terminated: the supervisor must start a new one that resumes the session. */
export function workerTerminations(connectString: string): Fault {
  let client: ZooKeeper | undefined;
  const threads = new Set<number>();
  const note = () => {
    const thread = client && workerThread(client);
    if (thread) threads.add(thread.threadId);
  };
  return {
    name: 'worker terminate',
    connectString,
    attach: (zk) => {
      client = zk;
      note();
    },
    inject: async () => {
      // The worker now, possibly a replacement still starting (terminating that is a fault worth surviving too).
      note();
      const thread = client && workerThread(client);
      await thread?.terminate();
    },
    heal: async () => {
      await waitFor(() => client && workerThread(client), { message: 'a replacement worker' });
      note();
    },
    evidence: () => (threads.size > 1 ? `${threads.size} worker threads seen` : undefined),
  };
}

/** The session expired on the server: zkit must start a new one, restore and re-read everything. */
export function sessionExpiries(connectString: string): Fault {
  let client: ZooKeeper | undefined;
  let seen: ReturnType<typeof recorder> | undefined;
  return {
    name: 'session expiry',
    connectString,
    attach: (zk) => {
      client = zk;
      seen = recorder(zk);
    },
    inject: async () => {
      // An expiry while the previous one is still being recovered from finds no session: wait for it.
      await waitFor(() => client?.state === 'connected', { timeout: 15_000 });
      if (client) await expireSession(client, { connectionString: connectString });
    },
    heal: async () => {},
    evidence: () =>
      (seen?.sessions.size ?? 0) > 1 && seen?.states.includes('expired')
        ? `${seen?.sessions.size} sessions`
        : undefined,
  };
}

/**
 * The leader of a 3-node ensemble SIGKILLed by one `inject()`, restarted by the next (or by `heal()`): the client
 * keeps its session through the election.
 */
export function leaderKills(ensemble: ZooKeeperHandle): Fault {
  let down: number | undefined;
  let kills = 0;
  let seen: ReturnType<typeof recorder> | undefined;
  const restart = async () => {
    if (down === undefined) return;
    await ensemble.restart(down);
    down = undefined;
  };
  return {
    name: 'leader kill',
    connectString: ensemble.connectionString,
    attach: (zk) => {
      seen = recorder(zk);
    },
    inject: async () => {
      if (down !== undefined) return restart();
      down = await ensemble.leader();
      kills++;
      await ensemble.kill(down);
    },
    heal: restart,
    evidence: () =>
      seen?.states.includes('disconnected') && seen.sessions.size === 1
        ? `${kills} leader kills, disconnected, one session`
        : undefined,
  };
}

/** `host:port[/chroot]` (one server): the proxy takes the address, the chroot goes after the proxy's own. */
async function proxyFor(connectionString: string): Promise<ProxyHandle> {
  const proxy = await startProxy(connectionString.replace(/\/.*$/, ''));
  onTestFinished(() => proxy.close());
  return proxy;
}

function chrootOf(connectionString: string): string {
  return /\/.*$/.exec(connectionString)?.[0] ?? '';
}
