import { abortedError, type Failure } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it, vi } from 'vitest';
import { type Deferred, deferred } from '../deferred.js';
import { forwardingLog, LOG_SEVERITY } from '../log-forward.js';
import { isLost } from '../session/lost.js';
import type { Client, Watcher } from '../session/ops.js';
import type { Session } from '../session/session.js';
import type { Watches } from '../watches/watches.js';
import { EphemeralRegistry } from './ephemeral-registry.js';

// The library builds its exceptions with Exception.create, which @types/node-zookeeper-client does not declare.
const { create: exception } = zookeeper.Exception as unknown as { create(code: number): Error };
const E = zookeeper.Exception;

interface Node {
  data: Buffer;
  /** Hex session id for an ephemeral node, 16 zeros for a persistent one. */
  owner: string;
  version: number;
}
const PERSISTENT = '0'.repeat(16);

/** ZooKeeper's tree in memory: enough for creates, owner checks, deletes, exists watches and transactions. */
class FakeZooKeeper {
  readonly nodes = new Map<string, Node>([['/', { data: Buffer.alloc(0), owner: PERSISTENT, version: 0 }]]);
  readonly clients: FakeClient[] = [];
  creates = 0;

  put(path: string, data: string, owner = PERSISTENT): void {
    this.nodes.set(path, { data: Buffer.from(data), owner, version: 0 });
    this.changed(path);
  }

  drop(path: string): void {
    this.nodes.delete(path);
    this.changed(path);
  }

  /** What the server does when a session ends: its ephemeral nodes go. */
  endSession(id: string): void {
    for (const [path, node] of [...this.nodes]) if (node.owner === id) this.drop(path);
  }

  data(path: string): unknown {
    const node = this.nodes.get(path);
    return node === undefined ? undefined : JSON.parse(node.data.toString());
  }

  changed(path: string): void {
    for (const client of this.clients) client.fire(path);
  }
}

/** One session's client. Requests are answered in order; `hold()` keeps them until `release()`. */
class FakeClient {
  readonly #queue: (() => void)[] = [];
  readonly #watchers = new Map<string, Set<Watcher>>();
  #held = false;
  expired = false;

  constructor(
    readonly zk: FakeZooKeeper,
    readonly sessionId: string,
  ) {
    zk.clients.push(this);
  }

  hold(): void {
    this.#held = true;
  }
  get queued(): number {
    return this.#queue.length;
  }
  /** Answers what is queued (not what those answers make the code send next). */
  release(): void {
    for (const answer of this.#queue.splice(0)) answer();
  }
  unhold(): void {
    this.#held = false;
    this.release();
  }

  fire(path: string): void {
    const watchers = this.#watchers.get(path);
    this.#watchers.delete(path);
    if (!this.expired) for (const watcher of watchers ?? []) watcher({} as zookeeper.Event);
  }

  create(path: string, data: Buffer, _acl: unknown, mode: number, done: (error: Error | null) => void): void {
    this.#send(done, () => {
      this.zk.creates++;
      this.#create(path, data, mode);
      return null;
    });
  }

  exists(path: string, ...args: unknown[]): void {
    const done = args.at(-1) as (error: Error | null, stat?: Stat) => void;
    const watcher = args.length === 2 ? (args[0] as Watcher) : undefined;
    this.#send<Stat | undefined>(done, () => {
      if (watcher) this.#watch(path, watcher);
      const node = this.zk.nodes.get(path);
      return node === undefined ? undefined : statOf(node);
    });
  }

  getData(path: string, ...args: unknown[]): void {
    const done = args.at(-1) as (error: Error | null, data?: Buffer, stat?: object) => void;
    this.#send(
      (error, node) => (error ? done(error) : done(null, (node as Node).data, statOf(node as Node))),
      () => this.#node(path),
    );
  }

  remove(path: string, _version: number, done: (error: Error | null) => void): void {
    this.#send(done, () => {
      this.#node(path);
      this.zk.drop(path);
      return null;
    });
  }

  transaction() {
    const ops: (() => void)[] = [];
    const tx = {
      remove: (path: string) => {
        ops.push(() => this.#node(path));
        ops.push(() => this.zk.nodes.delete(path));
        return tx;
      },
      create: (path: string, data: Buffer, _acl: unknown, mode: number) => {
        ops.push(() => this.#create(path, data, mode));
        return tx;
      },
      commit: (done: (error: Error | null) => void) =>
        this.#send(done, () => {
          const before = new Map(this.zk.nodes);
          try {
            for (const op of ops) op();
          } catch (error) {
            this.zk.nodes.clear();
            for (const [p, n] of before) this.zk.nodes.set(p, n);
            throw error;
          }
          return null;
        }),
    };
    return tx;
  }

  #send<T>(done: (error: Error | null, value?: T) => void, apply: () => T): void {
    const answer = () => {
      if (this.expired) return done(exception(E.SESSION_EXPIRED));
      let value: T;
      try {
        value = apply();
      } catch (error) {
        return done(error as Error);
      }
      done(null, value);
    };
    if (this.#held) this.#queue.push(answer);
    else setImmediate(answer);
  }

  #node(path: string): Node {
    const node = this.zk.nodes.get(path);
    if (node === undefined) throw exception(E.NO_NODE);
    return node;
  }

  #create(path: string, data: Buffer, mode: number): void {
    if (this.zk.nodes.has(path)) throw exception(E.NODE_EXISTS);
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (!this.zk.nodes.has(parent)) throw exception(E.NO_NODE);
    const owner = mode === zookeeper.CreateMode.EPHEMERAL ? this.sessionId : PERSISTENT;
    this.zk.nodes.set(path, { data, owner, version: 0 });
    this.zk.changed(path);
  }

  #watch(path: string, watcher: Watcher): void {
    const set = this.#watchers.get(path) ?? new Set<Watcher>();
    set.add(watcher);
    this.#watchers.set(path, set);
  }
}

type Stat = ReturnType<typeof statOf>;

function statOf(node: Node) {
  const zero = Buffer.alloc(8);
  return { ephemeralOwner: Buffer.from(node.owner, 'hex'), version: node.version, czxid: zero, mzxid: zero };
}

/** The part of Session that EphemeralRegistry uses, with outages and expiries under the test's control. */
class ScriptedSession {
  readonly ownSessions: string[] = [];
  client: FakeClient;
  #live = true;
  #up: Deferred<void> = deferred();
  #ended: Deferred<void> = deferred();
  #next = 1;

  constructor(readonly zk: FakeZooKeeper) {
    this.client = this.#newClient();
  }

  get sessionId(): string {
    return this.client.sessionId;
  }
  get state() {
    return this.#live ? 'connected' : 'disconnected';
  }

  ready(signal?: AbortSignal): Promise<Client> {
    return this.connected(signal);
  }

  async connected(signal?: AbortSignal): Promise<Client> {
    while (!this.#live) {
      if (signal?.aborted) throw abortedError();
      await new Promise<void>((resolve, reject) => {
        signal?.addEventListener('abort', () => reject(abortedError()), { once: true });
        void this.#up.promise.then(resolve);
      });
    }
    if (signal?.aborted) throw abortedError();
    return this.client as unknown as Client;
  }

  async run<T>(op: (client: Client) => Promise<T>, wanted = () => true, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const client = await this.connected(signal);
      try {
        return await op(client);
      } catch (error) {
        if (!isLost(error) || !wanted()) throw error;
      }
    }
    throw new Error('run: too many attempts');
  }

  ended(): Promise<void> {
    return this.#ended.promise;
  }

  down(): void {
    this.#live = false;
    this.#up = deferred();
  }

  up(): void {
    this.#live = true;
    this.#up.resolve();
  }

  /** The session ends on the server; a new client with a new session takes over (as Session does). */
  expire(): void {
    const old = this.client;
    old.expired = true;
    this.zk.endSession(old.sessionId);
    old.release();
    this.#ended.resolve();
    this.#ended = deferred();
    this.client = this.#newClient();
  }

  #newClient(): FakeClient {
    const id = (this.#next++).toString(16).padStart(16, '0');
    this.ownSessions.push(id);
    return new FakeClient(this.zk, id);
  }
}

function setup() {
  const zk = new FakeZooKeeper();
  zk.put('/svc', '{}');
  const session = new ScriptedSession(zk);
  const failures: Failure[] = [];
  const watches = { childAdded: () => {}, childRemoved: () => {} } as unknown as Watches;
  /** A worker's registrations; a second one on the same session is a replacement worker that resumed it. */
  const worker = () =>
    new EphemeralRegistry(
      session as unknown as Session,
      watches,
      { registrationAcl: [], parentAcl: [] },
      forwardingLog(() => {}, LOG_SEVERITY.silent),
      (failure) => failures.push(failure),
    );
  return { zk, session, registrations: worker(), worker, failures };
}

const request = (data: object, path = '/svc/a') => ({ path, data: JSON.stringify(data) });

/** Answers held requests, and the ones those answers lead to, until `done` settles (bounded). */
async function drain(client: FakeClient, done: Promise<unknown>): Promise<void> {
  let settled = false;
  const watch = done.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let turn = 0; turn < 1000 && !settled; turn++) {
    client.release();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await watch;
}

/** Lets every request in flight be answered, and what follows from them. */
async function quiesce(client: FakeClient): Promise<void> {
  client.unhold();
  for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('EphemeralRegistry: unregister and update racing a restore (C6)', () => {
  it('leaves no node when unregister() runs before a restore over the live session hears NODE_EXISTS', async () => {
    const { zk, session, registrations: dead, worker } = setup();
    await dead.register(request({ v: 1 }));
    expect(zk.nodes.get('/svc/a')?.owner).toBe(session.sessionId);

    // A replacement worker resumed the session, which still holds the node, and restores what it adopted.
    const registrations = worker();
    session.client.hold();
    registrations.adopt([request({ v: 1 })]);
    await vi.waitFor(() => expect(session.client.queued).toBeGreaterThan(0));
    const unregistering = registrations.unregister('/svc/a');
    await drain(session.client, unregistering);
    await quiesce(session.client);

    expect(zk.nodes.has('/svc/a')).toBe(false);
    expect(registrations.list()).toEqual([]);
  });

  it("ends with the update's data when update() runs while a restore's create is in flight", async () => {
    const { zk, session, registrations } = setup();
    await registrations.register(request({ v: 1 }));
    session.expire();
    session.client.hold();
    registrations.restoreAll();
    await vi.waitFor(() => expect(session.client.queued).toBeGreaterThan(0));

    const updating = registrations.update(request({ v: 2 }));
    await drain(session.client, updating);
    await quiesce(session.client);

    expect(zk.data('/svc/a')).toEqual({ v: 2 });
    expect(zk.nodes.get('/svc/a')?.owner).toBe(session.sessionId);
  });

  it("ends with the update's data when a restore over the live session finds the node already there", async () => {
    const { zk, session, registrations: dead, worker } = setup();
    await dead.register(request({ v: 1 }));
    const registrations = worker();
    session.client.hold();
    registrations.adopt([request({ v: 1 })]);
    await vi.waitFor(() => expect(session.client.queued).toBeGreaterThan(0));

    const updating = registrations.update(request({ v: 2 }));
    await drain(session.client, updating);
    await quiesce(session.client);

    expect(zk.data('/svc/a')).toEqual({ v: 2 });
    expect(registrations.list()).toEqual([{ path: '/svc/a', present: true }]);
  });

  it('a restore of a node still in place in this session changes nothing', async () => {
    const { zk, session, registrations } = setup();
    await registrations.register(request({ v: 1 }));
    const creates = zk.creates;
    registrations.restoreAll();
    await quiesce(session.client);
    expect(zk.data('/svc/a')).toEqual({ v: 1 });
    expect(zk.creates).toBe(creates);
  });
});

describe('EphemeralRegistry: stalls, stale nodes and failures (C12)', () => {
  it("leaves no node when a stall is detected while a placement's create is in flight", async () => {
    const { zk, session, registrations } = setup();
    await registrations.register(request({ v: 1 }));
    session.expire();
    session.client.hold();
    registrations.restoreAll();
    await vi.waitFor(() => expect(session.client.queued).toBeGreaterThan(0));

    const suspending = registrations.suspend();
    await drain(session.client, suspending);
    await quiesce(session.client);

    expect(zk.nodes.has('/svc/a')).toBe(false);
    expect(registrations.list()).toEqual([{ path: '/svc/a', present: false }]);

    registrations.resume();
    await quiesce(session.client);
    expect(zk.data('/svc/a')).toEqual({ v: 1 });
  });

  it("stops waiting for a stale node's deletion when the session ends (its watcher would never fire)", async () => {
    const { zk, session, registrations } = setup();
    const stale = 'ffffffffffffff01';
    session.ownSessions.push(stale);
    zk.put('/svc/a', '{"v":0}', stale);
    const registering = registrations.register(request({ v: 1 }));
    await quiesce(session.client);

    session.expire();
    registrations.restoreAll();
    await quiesce(session.client);
    zk.endSession(stale); // the old session's node goes: only the new client's watcher can hear it
    await registering;
    await quiesce(session.client);

    expect(zk.nodes.get('/svc/a')?.owner).toBe(session.sessionId);
    expect(zk.data('/svc/a')).toEqual({ v: 1 });
  });

  it('reports a registration that cannot be restored once per cause, not on every try', async () => {
    const { zk, session, registrations, failures } = setup();
    await registrations.register(request({ v: 1 }));
    session.expire();
    zk.put('/svc/a', '{"squatter":1}', 'eeeeeeeeeeeeee01');
    registrations.restoreAll();
    await quiesce(session.client);
    zk.put('/svc/a', '{"squatter":2}', 'eeeeeeeeeeeeee01'); // wakes the wait: the placement looks again
    await quiesce(session.client);

    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      kind: 'registration',
      path: '/svc/a',
      error: { code: 'NODE_EXISTS' },
    });

    zk.drop('/svc/a');
    await vi.waitFor(() => expect(zk.nodes.get('/svc/a')?.owner).toBe(session.sessionId));
  });
});

describe('EphemeralRegistry: a replacement worker', () => {
  it('lets the register call of a registration it adopted join it, instead of rejecting NODE_EXISTS', async () => {
    // The client hands over every registration it holds, including one whose register() call the dead worker
    // never answered; that call then reaches the new worker too.
    const { zk, session, registrations } = setup();
    registrations.adopt([request({ v: 1 })]);
    await registrations.register(request({ v: 1 }));
    await quiesce(session.client);

    expect(zk.data('/svc/a')).toEqual({ v: 1 });
    expect(registrations.list()).toEqual([{ path: '/svc/a', present: true }]);
    await expect(registrations.register(request({ v: 1 }))).rejects.toMatchObject({ code: 'NODE_EXISTS' });
  });

  it('withdraws an adopted registration whose register call is aborted', async () => {
    const { zk, session, registrations } = setup();
    session.down();
    registrations.adopt([request({ v: 1 })]);
    const controller = new AbortController();
    const registering = registrations.register(request({ v: 1 }), controller.signal);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();

    await expect(registering).rejects.toMatchObject({ code: 'ABORTED' });
    expect(registrations.list()).toEqual([]);
    session.up();
    await quiesce(session.client);
    expect(zk.nodes.has('/svc/a')).toBe(false);
  });
});

describe('EphemeralRegistry: abort (C9)', () => {
  it('forgets a registration aborted while ZooKeeper is unreachable: nothing is created later', async () => {
    const { zk, session, registrations } = setup();
    session.down();
    const controller = new AbortController();
    const registering = registrations.register(request({ v: 1 }), controller.signal);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();

    await expect(registering).rejects.toMatchObject({ code: 'ABORTED' });
    expect(registrations.list()).toEqual([]);
    session.up();
    registrations.restoreAll();
    await quiesce(session.client);
    expect(zk.nodes.has('/svc/a')).toBe(false);
    expect(zk.creates).toBe(0);
  });

  it('deletes the node of a registration aborted with its create in flight, and never restores it', async () => {
    const { zk, session, registrations } = setup();
    session.client.hold();
    const controller = new AbortController();
    const registering = registrations.register(request({ v: 1 }), controller.signal);
    await vi.waitFor(() => expect(session.client.queued).toBeGreaterThan(0));
    controller.abort();

    await expect(registering).rejects.toMatchObject({ code: 'ABORTED' });
    expect(registrations.list()).toEqual([]);
    await quiesce(session.client);
    expect(zk.creates).toBe(1);
    expect(zk.nodes.has('/svc/a')).toBe(false);

    session.expire();
    registrations.restoreAll();
    await quiesce(session.client);
    expect(zk.nodes.has('/svc/a')).toBe(false);
  });

  it('registers the same path again once an aborted registration of it is withdrawn', async () => {
    const { zk, session, registrations } = setup();
    session.client.hold();
    const controller = new AbortController();
    const first = registrations.register(request({ v: 1 }), controller.signal);
    await vi.waitFor(() => expect(session.client.queued).toBeGreaterThan(0));
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });

    const second = registrations.register(request({ v: 2 }));
    await drain(session.client, second);
    await quiesce(session.client);
    expect(zk.data('/svc/a')).toEqual({ v: 2 });
    expect(registrations.list()).toEqual([{ path: '/svc/a', present: true }]);
  });

  it('does nothing when the signal fires after register() resolved', async () => {
    const { zk, session, registrations } = setup();
    const controller = new AbortController();
    await registrations.register(request({ v: 1 }), controller.signal);
    controller.abort();
    await quiesce(session.client);
    expect(zk.data('/svc/a')).toEqual({ v: 1 });
    expect(registrations.list()).toEqual([{ path: '/svc/a', present: true }]);
  });
});

describe('EphemeralRegistry: symbolic links (issue #15)', () => {
  function linked() {
    const context = setup();
    context.zk.put('/svc', JSON.stringify({ 'lb ->': '../pools/cms' }));
    context.zk.put('/pools', '{}');
    context.zk.put('/pools/cms', '{}');
    return context;
  }

  it('creates the node under the node a link in its parent leads to, and writes updates there', async () => {
    const { zk, session, registrations } = linked();
    await registrations.register(request({ v: 1 }, '/svc/lb/me'));
    expect(zk.nodes.get('/pools/cms/me')?.owner).toBe(session.sessionId);
    expect(zk.nodes.has('/svc/lb')).toBe(false);
    expect(registrations.list()).toEqual([{ path: '/svc/lb/me', present: true }]);

    await registrations.update(request({ v: 2 }, '/svc/lb/me'));
    expect(zk.data('/pools/cms/me')).toEqual({ v: 2 });
  });

  it('makes missing parents under the link target, not under the link', async () => {
    const { zk, registrations } = linked();
    await registrations.register(request({ v: 1 }, '/svc/lb/providers/me'));
    expect(zk.nodes.has('/pools/cms/providers/me')).toBe(true);
    expect(zk.nodes.has('/svc/lb')).toBe(false);
  });

  it('deletes the node where it was placed on unregister()', async () => {
    const { zk, registrations } = linked();
    await registrations.register(request({ v: 1 }, '/svc/lb/me'));
    await registrations.unregister('/svc/lb/me');
    expect(zk.nodes.has('/pools/cms/me')).toBe(false);
    expect(registrations.list()).toEqual([]);
  });

  it('follows the link again when restoring after a new session: it may have moved', async () => {
    const { zk, session, registrations } = linked();
    await registrations.register(request({ v: 1 }, '/svc/lb/me'));
    zk.put('/pools/web', '{}');
    zk.put('/svc', JSON.stringify({ 'lb ->': '/pools/web' }));
    session.expire();
    registrations.restoreAll();
    await vi.waitFor(() => expect(zk.nodes.get('/pools/web/me')?.owner).toBe(session.sessionId));
    expect(zk.nodes.has('/pools/cms/me')).toBe(false);
  });

  it('without a link, makes the missing parents at the path as given', async () => {
    const { zk, session, registrations } = setup();
    await registrations.register(request({ v: 1 }, '/svc/x/me'));
    expect(zk.nodes.get('/svc/x/me')?.owner).toBe(session.sessionId);
    expect(zk.nodes.get('/svc/x')?.owner).toBe(PERSISTENT);
  });
});
