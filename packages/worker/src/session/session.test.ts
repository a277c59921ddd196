import { EventEmitter } from 'node:events';
import type { SessionState, WorkerConfig, ZkError } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forwardingLog, LOG_SEVERITY } from '../log-forward.js';
import type { Client } from './ops.js';
import { type CreateClient, Session, type SessionEvents } from './session.js';

// The library builds its exceptions with Exception.create, which @types/node-zookeeper-client does not declare.
const { create: exception } = zookeeper.Exception as unknown as { create(code: number): Error };

/**
 * Enough of node-zookeeper-client for the session state machine: the test drives its states and answers the
 * requests it was sent (the auth barrier is an `exists('/')`).
 */
class ScriptedClient extends EventEmitter {
  readonly requests: { path: string; answer: (error: Error | null) => void }[] = [];
  readonly auth: string[] = [];
  connected = false;
  closed = false;

  constructor(
    readonly sessionId: string,
    readonly options: Partial<zookeeper.Option> & { sessionId?: Buffer },
  ) {
    super();
    // As the library's own defaultStateListener: 'disconnected' is emitted from a 'state' listener.
    this.on('state', (state: zookeeper.State) => {
      if (state === zookeeper.State.DISCONNECTED) this.emit('disconnected');
    });
  }

  getSessionId(): Buffer {
    return Buffer.from(this.sessionId, 'hex');
  }
  getSessionPassword(): Buffer {
    return Buffer.alloc(16);
  }
  getSessionTimeout(): number {
    return 4000;
  }
  addAuthInfo(scheme: string): void {
    this.auth.push(scheme);
  }
  connect(): void {
    this.connected = true;
  }
  close(): void {
    this.closed = true;
    // The library reports the closed socket through its state machine, later than the call.
    queueMicrotask(() => this.emit('state', zookeeper.State.DISCONNECTED));
  }
  exists(path: string, done: (error: Error | null, stat?: object) => void): void {
    this.requests.push({ path, answer: (error) => (error ? done(error) : done(null, {})) });
  }

  state(state: zookeeper.State): void {
    this.emit('state', state);
  }
}

function setup(overrides: Partial<WorkerConfig> = {}) {
  const clients: ScriptedClient[] = [];
  const states: SessionState[] = [];
  const calls: string[] = [];
  const failures: ZkError[] = [];
  const createClient: CreateClient = (_connectionString, options) => {
    const resumed = (options as { sessionId?: Buffer }).sessionId?.toString('hex');
    const client = new ScriptedClient(
      resumed ?? `00000000000000${String(clients.length + 1).padStart(2, '0')}`,
      options,
    );
    clients.push(client);
    return client as unknown as Client;
  };
  const events: SessionEvents = {
    onState: (state) => states.push(state),
    onNewSession: () => calls.push('new session'),
    onReconnected: () => calls.push('reconnected'),
    onFailure: (error) => failures.push(error),
  };
  const config = {
    connectionString: '127.0.0.1:2181',
    sessionTimeout: 4000,
    connectTimeout: 10_000,
    auth: [],
    ownSessions: [],
    ...overrides,
  } as unknown as WorkerConfig;
  const session = new Session(
    config,
    forwardingLog(() => {}, LOG_SEVERITY.silent),
    events,
    createClient,
  );
  const last = () => clients.at(-1) as ScriptedClient;
  return { session, clients, states, calls, failures, last };
}

const AUTH = { auth: [{ scheme: 'digets', credentials: 'alice:secret' }] };
const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('Session: credentials', () => {
  it('opens without a round trip when no credentials are configured', async () => {
    const { session, last } = setup();
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    await expect(opening).resolves.toMatchObject({ sessionId: '0000000000000001' });
    expect(last().requests).toEqual([]);
  });

  it('does not open before the server answered a request sent after the credentials', async () => {
    const { session, last, states } = setup(AUTH);
    let opened = false;
    const opening = session.open().then(() => {
      opened = true;
    });
    last().state(zookeeper.State.SYNC_CONNECTED);
    await settle();
    expect(opened).toBe(false);
    expect(states).not.toContain('connected');
    expect(last().requests.map((r) => r.path)).toEqual(['/']);

    last().requests[0]?.answer(null);
    await opening;
    expect(session.state).toBe('connected');
  });

  it('rejects open() with AUTH_FAILED when ZooKeeper refuses the credentials, and opens no other session', async () => {
    vi.useFakeTimers();
    const { session, last, clients } = setup(AUTH);
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    // The library flags the refusal, then fails what was sent behind the auth packet with AUTH_FAILED.
    last().state(zookeeper.State.AUTH_FAILED);
    last().requests[0]?.answer(exception(zookeeper.Exception.AUTH_FAILED));

    await expect(opening).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(clients).toHaveLength(1);
    expect(clients[0]?.closed).toBe(true);
  });

  it('rejects open() with AUTH_FAILED when only the barrier reports it', async () => {
    const { session, last } = setup(AUTH);
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    last().requests[0]?.answer(exception(zookeeper.Exception.AUTH_FAILED));
    await expect(opening).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('verifies again after a lost barrier: the next connection answers it', async () => {
    const { session, last } = setup(AUTH);
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    last().requests[0]?.answer(exception(zookeeper.Exception.CONNECTION_LOSS));
    last().state(zookeeper.State.DISCONNECTED);
    last().state(zookeeper.State.SYNC_CONNECTED);
    last().requests[1]?.answer(null);
    await expect(opening).resolves.toBeDefined();
  });

  it('stays auth_failed for good when a new session after an expiry is refused: calls reject, no loop', async () => {
    vi.useFakeTimers();
    const { session, last, clients, states, failures, calls } = setup(AUTH);
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    last().requests[0]?.answer(null);
    await opening;

    last().state(zookeeper.State.EXPIRED);
    await vi.waitFor(() => expect(clients).toHaveLength(2), { timeout: 10_000, interval: 100 });
    const waiting = session.run(async () => 'never');
    const failedWaiting = expect(waiting).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    last().state(zookeeper.State.SYNC_CONNECTED);
    last().state(zookeeper.State.AUTH_FAILED);
    last().requests[0]?.answer(exception(zookeeper.Exception.AUTH_FAILED));
    await failedWaiting;

    expect(session.state).toBe('auth_failed');
    expect(states.at(-1)).toBe('auth_failed');
    expect(failures.map((f) => f.code)).toEqual(['AUTH_FAILED']);
    expect(calls).toEqual(['new session']);
    await expect(session.run(async () => 'never')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(clients).toHaveLength(2);
    expect(clients[1]?.closed).toBe(true);
  });
});

describe('Session: new sessions and reconnects', () => {
  it('treats only the first connect of a resumed session as new: later reconnects re-arm nothing', async () => {
    const resume = { id: '00000000000000aa', password: new Uint8Array(16) };
    const { session, last, calls } = setup({ resume, ownSessions: [resume.id] });
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    await opening;
    expect(calls).toEqual(['new session']);

    last().state(zookeeper.State.DISCONNECTED);
    last().state(zookeeper.State.SYNC_CONNECTED);
    last().state(zookeeper.State.DISCONNECTED);
    last().state(zookeeper.State.SYNC_CONNECTED);
    expect(calls).toEqual(['new session', 'reconnected', 'reconnected']);
  });

  it('keeps only the newest 32 of its own session ids', async () => {
    const old = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(16, '0'));
    const { session, last } = setup({ ownSessions: old });
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    await opening;
    expect(session.ownSessions).toHaveLength(32);
    expect(session.ownSessions.at(-1)).toBe(last().sessionId);
    expect(session.ownSessions).toContain(old.at(-1));
  });

  it('closes cleanly while renewing an expired session (no unhandled rejection)', async () => {
    vi.useFakeTimers();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { session, last, clients } = setup();
      const opening = session.open();
      last().state(zookeeper.State.SYNC_CONNECTED);
      await opening;
      last().state(zookeeper.State.EXPIRED);
      await vi.waitFor(() => expect(clients).toHaveLength(2), { timeout: 10_000, interval: 100 });

      await session.close();
      await vi.advanceTimersByTimeAsync(60_000);
      vi.useRealTimers();
      await settle();
      await settle();
      expect(unhandled).toEqual([]);
      expect(session.state).toBe('closed');
      expect(clients).toHaveLength(2);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('close() returns once the client reports its socket closed, without waiting out the bound', async () => {
    const { session, last } = setup();
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    await opening;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let closed = false;
    void session.close().then(() => {
      closed = true;
    });
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 1000, interval: 5 });
    expect(last().closed).toBe(true);
  });

  it('ended() settles when the client is gone, so waits on its watchers can stop', async () => {
    const { session, last } = setup();
    const opening = session.open();
    last().state(zookeeper.State.SYNC_CONNECTED);
    await opening;
    const ended = session.ended();
    let done = false;
    void ended.then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    last().state(zookeeper.State.EXPIRED);
    await ended;
  });
});
