import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { abortedError, type LogLevel, type WorkerEvent } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it, vi } from 'vitest';
import { type Deferred, deferred } from '../deferred.js';
import { forwardingLog, LOG_SEVERITY } from '../log-forward.js';
import type { Client, Stat, Watcher } from '../session/ops.js';
import type { Session } from '../session/session.js';
import { Watches } from './watches.js';

const { Event, Exception } = zookeeper;
/** Looked up at each call, as the library's socket handler does: nzc/reply-codes.ts replaces it. */
const createException = (code: number) =>
  (Exception as unknown as { create(code: number): Error }).create(code);

/** node-zookeeper-client's own WatcherManager: one-shot watchers are kept, fired and deleted as in a real client. */
interface LibraryWatchers {
  readonly dataWatchers: Record<string, EventEmitter>;
  readonly childWatchers: Record<string, EventEmitter>;
  registerDataWatcher(path: string, watcher: Watcher): void;
  registerChildWatcher(path: string, watcher: Watcher): void;
  emit(event: { type: number; path: string }): void;
  getDataWatcherPaths(): string[];
  getChildWatcherPaths(): string[];
  getExistenceWatcherPaths(): string[];
}
const WatcherManager = createRequire(import.meta.url)(
  'node-zookeeper-client/lib/WatcherManager.js',
) as new () => LibraryWatchers;

interface Read<T> {
  readonly path: string;
  readonly watcher: Watcher | undefined;
  /** Answers as the library does: registers the watcher, then calls back, in one synchronous step. */
  answer(value: T): void;
  fail(code: number): void;
}

/** A request the library has no method for (addWatch, removeWatches), as raw-request.ts writes it. */
interface RawRequest {
  readonly opcode: number;
  readonly path: string;
  readonly value: number;
  answer(code?: number): void;
}

const OP_REMOVE_WATCHES = 18;
const OP_ADD_WATCH = 106;
/** ZooKeeper's NOWATCHER: removeWatches of a watch that already fired. */
const NO_WATCHER = -121;

/**
 * Enough of node-zookeeper-client for the watch registry, with the server's replies under the test's control:
 * reads wait until answered, notifications are fired through the library's WatcherManager.
 */
class ScriptedClient extends EventEmitter {
  readonly watchers = new WatcherManager();
  readonly childReads: Read<string[]>[] = [];
  readonly dataReads: Read<object>[] = [];
  readonly raw: RawRequest[] = [];
  readonly connectionManager: object;
  #zxid = 0;

  /** Without `internals` the client lacks what persistent watches need: adding one fails (ZOOKEEPER_ERROR). */
  constructor({ internals = true } = {}) {
    super();
    this.connectionManager = internals
      ? {
          watcherManager: this.watchers,
          queue: (request: Queued, done: QueueCallback) => this.#queue(request, done),
        }
      : {};
  }

  getChildren(path: string, ...args: unknown[]): void {
    const done = args.pop() as (error: unknown, names?: string[], stat?: Stat) => void;
    const watcher = args[0] as Watcher | undefined;
    this.childReads.push({
      path,
      watcher,
      answer: (names) => {
        if (watcher) this.watchers.registerChildWatcher(path, watcher);
        done(null, names, this.#stat(0));
      },
      fail: (code) => done(createException(code)),
    });
  }

  getData(path: string, ...args: unknown[]): void {
    const done = args.pop() as (error: unknown, data?: Buffer, stat?: Stat) => void;
    const watcher = args[0] as Watcher | undefined;
    this.dataReads.push({
      path,
      watcher,
      answer: (data) => {
        if (watcher) this.watchers.registerDataWatcher(path, watcher);
        done(null, Buffer.from(JSON.stringify(data)), this.#stat(this.dataReads.length));
      },
      fail: (code) => done(createException(code)),
    });
  }

  /** Barriers of ChildChanges held until the test answers them (else answered at once). */
  holdBarriers = false;
  readonly heldBarriers: (() => void)[] = [];

  /** The barrier of ChildChanges. */
  exists(_path: string, done: (error: unknown, stat?: Stat) => void): void {
    const answer = () => done(null, this.#stat(0));
    if (this.holdBarriers) this.heldBarriers.push(answer);
    else answer();
  }

  /** A notification, as ConnectionManager hands it to the WatcherManager. */
  fire(type: number, path: string): void {
    this.watchers.emit({ type, path });
  }

  rawOf(opcode: number): RawRequest[] {
    return this.raw.filter((request) => request.opcode === opcode);
  }

  #queue(request: Queued, done: QueueCallback): void {
    const bytes = request.toBuffer();
    const length = bytes.readInt32BE(12);
    this.raw.push({
      opcode: bytes.readInt32BE(8),
      path: bytes.toString('utf8', 16, 16 + length),
      value: bytes.readInt32BE(16 + length),
      answer: (code = 0) =>
        done(code === 0 ? null : createException(code), { header: { zxid: Buffer.alloc(8) } }),
    });
  }

  #stat(version: number): Stat {
    const mzxid = Buffer.alloc(8);
    mzxid.writeBigInt64BE(BigInt(++this.#zxid));
    return { mzxid, version } as unknown as Stat;
  }
}
type Queued = { toBuffer(): Buffer };
type QueueCallback = (error: unknown, response?: unknown) => void;

/** A session that is always connected, unless a test holds `gate` to make it wait for one. */
class ScriptedSession {
  gate: Deferred<void> | undefined;

  constructor(readonly client: ScriptedClient) {}

  async ready(): Promise<Client> {
    await this.gate?.promise;
    return this.client as unknown as Client;
  }

  /** Like Session.run: gives up while waiting for the session when `signal` fires, never with a request in flight. */
  async run<T>(
    op: (client: Client) => Promise<T>,
    _wanted?: () => boolean,
    signal?: AbortSignal,
  ): Promise<T> {
    const gate = this.gate?.promise ?? Promise.resolve();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void gate.then(resolve);
    });
    return op(this.client as unknown as Client);
  }
}

interface Setup {
  readonly client: ScriptedClient;
  readonly session: ScriptedSession;
  readonly watches: Watches;
  readonly events: WorkerEvent[];
  readonly logged: (level: LogLevel) => Record<string, unknown>[];
}

/** Re-reads that fail for a passing reason are tried again at once, up to `attempts` times. */
const retryAtOnce =
  (attempts = 8) =>
  (attempt: number) =>
    attempt <= attempts ? 0 : null;

function setup(client = new ScriptedClient(), incrementalFrom?: number, retry = retryAtOnce()): Setup {
  const session = new ScriptedSession(client);
  const events: WorkerEvent[] = [];
  const emit = (event: WorkerEvent) => events.push(event);
  const watches = new Watches(
    session as unknown as Session,
    (event) => {
      if (event.type !== 'log') emit(event);
    },
    forwardingLog(emit, LOG_SEVERITY.trace),
    incrementalFrom,
    retry,
  );
  const logged = (level: LogLevel) =>
    events.flatMap((event) => (event.type === 'log' && event.level === level ? [event.fields] : []));
  return { client, session, watches, events, logged };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const changes = (events: WorkerEvent[]) => events.filter((event) => event.type !== 'log');

describe('Watches: a change that arrives with the first read (C1)', () => {
  it('reads children again when their watch fires in the same socket read as the first reply', async () => {
    const { client, watches, events } = setup();
    const watching = watches.watchChildren('/svc');
    await settle();

    // node-zookeeper-client handles one socket read synchronously: the reply, then the notification behind it.
    client.childReads[0]?.answer(['a']);
    client.fire(Event.NODE_CHILDREN_CHANGED, '/svc');

    expect(await watching).toEqual(['a']);
    await vi.waitFor(() => expect(client.childReads).toHaveLength(2));
    client.childReads[1]?.answer(['a', 'b']);
    await vi.waitFor(() =>
      expect(changes(events)).toEqual([{ type: 'children', path: '/svc', added: ['b'], removed: [] }]),
    );
  });

  it('reads data again when its watch fires in the same socket read as the first reply', async () => {
    const { client, watches, events } = setup();
    const watching = watches.watchData('/svc/a');
    await settle();

    client.dataReads[0]?.answer({ v: 0 });
    client.fire(Event.NODE_DATA_CHANGED, '/svc/a');

    expect((await watching).properties).toEqual({ v: 0 });
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(2));
    client.dataReads[1]?.answer({ v: 1 });
    await vi.waitFor(() =>
      expect(changes(events)).toMatchObject([
        { type: 'data', path: '/svc/a', snapshot: { properties: { v: 1 } } },
      ]),
    );
  });
});

describe('Watches.lastKnownData', () => {
  it('offers no version for compare-and-set once the node was deleted, until the new node is read', async () => {
    const { client, watches } = setup();
    const watching = watches.watchData('/svc/a');
    await settle();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;
    expect(watches.lastKnownData('/svc/a')).toMatchObject({ properties: { v: 0 }, version: 1 });

    // Deleted and created again: the new node starts at version 0 again, so the old snapshot's version could match.
    client.fire(Event.NODE_DELETED, '/svc/a');
    await settle();
    expect(watches.lastKnownData('/svc/a')).toBeUndefined();

    client.dataReads[1]?.answer({ v: 1 });
    await settle();
    expect(watches.lastKnownData('/svc/a')).toMatchObject({ properties: { v: 1 } });
  });

  it('keeps offering the last snapshot after a mere data change: compare-and-set catches a newer version', async () => {
    const { client, watches } = setup();
    const watching = watches.watchData('/svc/b');
    await settle();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;

    client.fire(Event.NODE_DATA_CHANGED, '/svc/b');
    await settle();
    expect(watches.lastKnownData('/svc/b')).toMatchObject({ properties: { v: 0 }, version: 1 });
  });
});

describe('Watches.watchChildren', () => {
  it('falls back to a one-shot watch when a recursive one cannot be added, and the view stays live', async () => {
    const { client, watches } = setup(new ScriptedClient({ internals: false }), 0);
    const watching = watches.watchChildren('/svc');
    await settle();
    client.childReads[0]?.answer(['a']);

    expect(await watching).toEqual(['a']);
    expect(client.childReads[0]?.watcher).toBeTypeOf('function');
    expect(watches.incrementalPaths()).toEqual([]);
  });
});

/** An incremental children view of `path` (incrementalChildrenFrom 0), armed with `names`. */
async function incrementalView({ client, watches }: Setup, path: string, names: string[]): Promise<void> {
  const watching = watches.watchChildren(path);
  await vi.waitFor(() => expect(client.rawOf(OP_ADD_WATCH)).toHaveLength(1));
  client.rawOf(OP_ADD_WATCH)[0]?.answer();
  await vi.waitFor(() => expect(client.childReads).toHaveLength(1));
  client.childReads[0]?.answer(names);
  await watching;
  expect(watches.incrementalPaths()).toEqual([path]);
}

describe('Watches: the first read', () => {
  it('is shared by every caller while it is in flight', async () => {
    const { client, watches } = setup();
    const first = watches.watchChildren('/svc');
    const second = watches.watchChildren('/svc');
    await settle();
    client.childReads[0]?.answer(['a']);

    expect(await Promise.all([first, second])).toEqual([['a'], ['a']]);
    expect(client.childReads).toHaveLength(1);
    expect(watches.paths('children')).toEqual(['/svc']);
  });

  it('leaves nothing behind when it fails: no entry, no watcher, no recursive watch', async () => {
    const setUp = setup(new ScriptedClient(), 0);
    const { client, watches } = setUp;
    const watching = watches.watchChildren('/gone');
    await vi.waitFor(() => expect(client.rawOf(OP_ADD_WATCH)).toHaveLength(1));
    client.rawOf(OP_ADD_WATCH)[0]?.answer();
    await vi.waitFor(() => expect(client.childReads).toHaveLength(1));
    client.childReads[0]?.fail(Exception.NO_NODE);

    await expect(watching).rejects.toMatchObject({ code: 'NO_NODE' });
    expect(watches.paths('children')).toEqual([]);
    expect(client.watchers.getChildWatcherPaths()).toEqual([]);
    // The recursive watch added before the read is given back (addWatch then removeWatches, persistent-watch.ts).
    await vi.waitFor(() => expect(client.rawOf(OP_REMOVE_WATCHES).map((r) => r.path)).toContain('/gone'));
  });

  it('given up by its signal while waiting for the session, leaves no entry and sends nothing', async () => {
    const { client, session, watches } = setup();
    session.gate = deferred();
    const controller = new AbortController();
    const watching = watches.watchData('/a', controller.signal);
    await settle();

    controller.abort(abortedError());

    await expect(watching).rejects.toMatchObject({ code: 'ABORTED' });
    session.gate.resolve();
    await settle();
    expect(watches.paths('data')).toEqual([]);
    expect(client.dataReads).toEqual([]);
  });

  it('given up while its read is in flight, gives back the watch that read sets', async () => {
    const { client, watches } = setup();
    const controller = new AbortController();
    const watching = watches.watchData('/a', controller.signal);
    await settle();

    controller.abort(abortedError());
    client.dataReads[0]?.answer({ v: 0 });

    await expect(watching).rejects.toMatchObject({ code: 'ABORTED' });
    expect(watches.paths('data')).toEqual([]);
    expect(client.watchers.getDataWatcherPaths()).toEqual([]);
    await vi.waitFor(() => expect(client.rawOf(OP_REMOVE_WATCHES)).toMatchObject([{ path: '/a', value: 2 }]));
  });

  it('still reaches a caller who joined it when the caller who started it gives up', async () => {
    const { client, session, watches } = setup();
    session.gate = deferred();
    const controller = new AbortController();
    const first = watches.watchData('/a', controller.signal);
    const second = watches.watchData('/a');
    await settle();

    controller.abort(abortedError());
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });
    session.gate.resolve();
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(1));
    client.dataReads[0]?.answer({ v: 0 });

    expect((await second).properties).toEqual({ v: 0 });
    expect(watches.paths('data')).toEqual(['/a']);
  });
});

describe('Watches: closing a view gives its watch back (C3)', () => {
  it("takes a children view's watcher out of the library and removes the server's watch", async () => {
    const { client, watches } = setup();
    const watching = watches.watchChildren('/svc');
    await settle();
    client.childReads[0]?.answer(['a']);
    await watching;
    expect(client.watchers.getChildWatcherPaths()).toEqual(['/svc']);

    watches.unwatch('children', '/svc');

    expect(client.watchers.getChildWatcherPaths()).toEqual([]);
    expect(Object.keys(client.watchers.childWatchers)).toEqual([]);
    await vi.waitFor(() =>
      expect(client.rawOf(OP_REMOVE_WATCHES)).toMatchObject([{ path: '/svc', value: 1 }]),
    );
    // The watch fired meanwhile: the server answers NOWATCHER, which is no error (nzc/reply-codes.ts makes it safe).
    client.rawOf(OP_REMOVE_WATCHES)[0]?.answer(NO_WATCHER);
    expect(watches.paths('children')).toEqual([]);
  });

  it("takes a data view's watcher out of the library and removes the server's watch", async () => {
    const { client, watches } = setup();
    const watching = watches.watchData('/a');
    await settle();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;

    watches.unwatch('data', '/a');

    expect(client.watchers.getDataWatcherPaths()).toEqual([]);
    await vi.waitFor(() => expect(client.rawOf(OP_REMOVE_WATCHES)).toMatchObject([{ path: '/a', value: 2 }]));
  });

  it('reads a view opened again after the removal went out only once it is answered, with a watcher of its own', async () => {
    const { client, watches, events } = setup();
    const watching = watches.watchData('/a');
    await settle();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;
    watches.unwatch('data', '/a');
    await vi.waitFor(() => expect(client.rawOf(OP_REMOVE_WATCHES)).toHaveLength(1));

    const again = watches.watchData('/a');
    await settle();
    // A read sent before the removal would have its watch removed with the old one (one per connection and path).
    expect(client.dataReads).toHaveLength(1);
    client.rawOf(OP_REMOVE_WATCHES)[0]?.answer();
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(2));
    client.dataReads[1]?.answer({ v: 1 });

    expect((await again).properties).toEqual({ v: 1 });
    expect(client.dataReads[1]?.watcher).not.toBe(client.dataReads[0]?.watcher);
    client.fire(Event.NODE_DATA_CHANGED, '/a');
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(3));
    client.dataReads[2]?.answer({ v: 2 });
    await vi.waitFor(() =>
      expect(changes(events)).toMatchObject([{ type: 'data', snapshot: { properties: { v: 2 } } }]),
    );
  });

  it('reads a view opened again before the removal went out at once, and keeps the server watch for it', async () => {
    const { client, watches, events } = setup();
    const watching = watches.watchData('/a');
    await settle();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;

    // Closed and opened again in one turn (a fresh view per request): no removeWatches, no wait for one.
    watches.unwatch('data', '/a');
    const again = watches.watchData('/a');
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(2));
    client.dataReads[1]?.answer({ v: 1 });
    expect((await again).properties).toEqual({ v: 1 });
    await settle();
    expect(client.rawOf(OP_REMOVE_WATCHES)).toEqual([]);

    // The library holds the new entry's watcher alone, and the watch still leads to a re-read and an event.
    expect(client.dataReads[1]?.watcher).not.toBe(client.dataReads[0]?.watcher);
    expect(client.watchers.dataWatchers['/a']?.listenerCount('notification')).toBe(1);
    client.fire(Event.NODE_DATA_CHANGED, '/a');
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(3));
    client.dataReads[2]?.answer({ v: 2 });
    await vi.waitFor(() =>
      expect(changes(events)).toMatchObject([{ type: 'data', snapshot: { properties: { v: 2 } } }]),
    );

    // Closed for good: the watch is given back then.
    watches.unwatch('data', '/a');
    await vi.waitFor(() => expect(client.rawOf(OP_REMOVE_WATCHES)).toMatchObject([{ path: '/a', value: 2 }]));
  });

  it('gives back the watcher that a read in flight when the view closed sets on its reply', async () => {
    const { client, watches, events } = setup();
    const watching = watches.watchData('/a');
    await settle();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;
    client.fire(Event.NODE_DATA_CHANGED, '/a');
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(2));

    watches.unwatch('data', '/a');
    await settle();
    expect(client.rawOf(OP_REMOVE_WATCHES)).toEqual([]);
    client.dataReads[1]?.answer({ v: 1 });

    await vi.waitFor(() => expect(client.rawOf(OP_REMOVE_WATCHES)).toMatchObject([{ path: '/a', value: 2 }]));
    expect(client.watchers.getDataWatcherPaths()).toEqual([]);
    expect(changes(events)).toEqual([]);
  });

  it("leaves the server's watch to another watcher of the same path", async () => {
    const { client, watches } = setup();
    const other = () => {};
    client.watchers.registerDataWatcher('/a', other); // e.g. an exists() watch of a registration
    const watching = watches.watchData('/a');
    await settle();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;

    watches.unwatch('data', '/a');
    await settle();
    await settle();

    expect(client.rawOf(OP_REMOVE_WATCHES)).toEqual([]);
    expect(client.watchers.dataWatchers['/a']?.listenerCount('notification')).toBe(1);
  });

  it('removes no data watch from a recursive root that a data view rode on', async () => {
    const setUp = setup(new ScriptedClient(), 0);
    const { client, watches } = setUp;
    await incrementalView(setUp, '/big', ['a']);
    const watching = watches.watchData('/big');
    await vi.waitFor(() => expect(client.dataReads).toHaveLength(1));
    expect(client.dataReads[0]?.watcher).toBeUndefined();
    client.dataReads[0]?.answer({ v: 0 });
    await watching;

    watches.unwatch('data', '/big');
    await settle();
    await settle();

    expect(client.rawOf(OP_REMOVE_WATCHES)).toEqual([]);
    expect(watches.incrementalPaths()).toEqual(['/big']);
  });

  it('stops sending removeWatches once the server answers that it has none (before 3.5)', async () => {
    const { client, watches } = setup();
    for (const [index, path] of ['/a', '/b'].entries()) {
      const watching = watches.watchData(path);
      await vi.waitFor(() => expect(client.dataReads).toHaveLength(index + 1));
      client.dataReads[index]?.answer({ v: 0 });
      await watching;
      watches.unwatch('data', path);
      await settle();
      await settle();
      client.rawOf(OP_REMOVE_WATCHES)[index]?.answer(Exception.UNIMPLEMENTED);
    }

    expect(client.rawOf(OP_REMOVE_WATCHES).map((request) => request.path)).toEqual(['/a']);
    expect(client.watchers.getDataWatcherPaths()).toEqual([]);
  });
});

describe('Watches: a re-read that fails (C5)', () => {
  async function firedDataView(setUp: Setup, path: string): Promise<void> {
    const watching = setUp.watches.watchData(path);
    await settle();
    setUp.client.dataReads[0]?.answer({ v: 0 });
    await watching;
    setUp.client.fire(Event.NODE_DATA_CHANGED, path);
    await vi.waitFor(() => expect(setUp.client.dataReads).toHaveLength(2));
  }

  it('reads again after a failure that may pass, and the view carries on', async () => {
    const setUp = setup();
    await firedDataView(setUp, '/a');

    setUp.client.dataReads[1]?.fail(Exception.OPERATION_TIMEOUT);
    await vi.waitFor(() => expect(setUp.client.dataReads).toHaveLength(3));
    setUp.client.dataReads[2]?.answer({ v: 1 });

    await vi.waitFor(() =>
      expect(changes(setUp.events)).toMatchObject([{ type: 'data', snapshot: { properties: { v: 1 } } }]),
    );
    expect(setUp.watches.paths('data')).toEqual(['/a']);
  });

  it('ends the view on a failure that cannot pass: ended, then failure, and the watch is gone', async () => {
    const setUp = setup();
    await firedDataView(setUp, '/a');

    setUp.client.dataReads[1]?.fail(Exception.NO_AUTH);

    await vi.waitFor(() => expect(changes(setUp.events)).toHaveLength(2));
    const error = { code: 'NO_AUTH', path: '/a' };
    expect(changes(setUp.events)).toMatchObject([
      { type: 'ended', kind: 'data', path: '/a', error },
      { type: 'failure', failure: { kind: 'watch', path: '/a', error } },
    ]);
    expect(setUp.watches.paths('data')).toEqual([]);
    expect(setUp.logged('error')).toMatchObject([{ path: '/a', kind: 'data' }]);
    await settle();
    expect(setUp.client.dataReads).toHaveLength(2);
  });

  it('ends the view once a failure that may pass has lasted through every attempt', async () => {
    const setUp = setup(new ScriptedClient(), undefined, retryAtOnce(2));
    await firedDataView(setUp, '/a');

    for (const index of [1, 2, 3]) {
      await vi.waitFor(() => expect(setUp.client.dataReads).toHaveLength(index + 1));
      setUp.client.dataReads[index]?.fail(Exception.OPERATION_TIMEOUT);
    }

    await vi.waitFor(() =>
      expect(changes(setUp.events)).toMatchObject([{ type: 'ended' }, { type: 'failure' }]),
    );
    expect(setUp.client.dataReads).toHaveLength(4);
    expect(setUp.logged('warn')).toHaveLength(2);
  });

  it('ends a children view that cannot be read again after a new session', async () => {
    const { client, watches, events } = setup();
    const watching = watches.watchChildren('/svc');
    await settle();
    client.childReads[0]?.answer(['a']);
    await watching;

    watches.rearmAll();
    await vi.waitFor(() => expect(client.childReads).toHaveLength(2));
    client.childReads[1]?.fail(Exception.NO_AUTH);

    await vi.waitFor(() =>
      expect(changes(events)).toMatchObject([
        { type: 'ended', kind: 'children', path: '/svc', error: { code: 'NO_AUTH' } },
        { type: 'failure', failure: { kind: 'watch', path: '/svc' } },
      ]),
    );
    expect(watches.paths('children')).toEqual([]);
  });
});

describe('Watches: a recursive watch for a view closed meanwhile (C10)', () => {
  it('is not added by a refresh that waited for the session', async () => {
    const setUp = setup(new ScriptedClient(), 0);
    const { client, session, watches } = setUp;
    await incrementalView(setUp, '/big', ['a']);

    // The connection drops and comes back: the recursive watch went with the old connection; the refresh that
    // re-adds it waits for the session, and the view closes meanwhile.
    session.gate = deferred();
    client.emit('state', zookeeper.State.DISCONNECTED);
    watches.reconnected();
    watches.unwatch('children', '/big');
    session.gate.resolve();
    await settle();
    await settle();

    expect(client.rawOf(OP_ADD_WATCH)).toHaveLength(1);
    expect(client.childReads).toHaveLength(1);
    expect(watches.incrementalPaths()).toEqual([]);
  });

  it('is given back when the view closed while it was being added, and its names are not read', async () => {
    const setUp = setup(new ScriptedClient(), 0);
    const { client, watches } = setUp;
    await incrementalView(setUp, '/big', ['a']);
    client.emit('state', zookeeper.State.DISCONNECTED);
    watches.reconnected();
    await vi.waitFor(() => expect(client.rawOf(OP_ADD_WATCH)).toHaveLength(2));

    watches.unwatch('children', '/big');
    client.rawOf(OP_ADD_WATCH)[1]?.answer();

    await vi.waitFor(() => expect(client.rawOf(OP_REMOVE_WATCHES).map((r) => r.path)).toContain('/big'));
    expect(client.childReads).toHaveLength(1);
  });
});

describe('Watches: changes of a recursive watch pending when the names are read again', () => {
  it('are not applied over the newer names (a view kept a deleted child for good after leader kills)', async () => {
    const setUp = setup(new ScriptedClient(), 0);
    const { client, watches, events } = setUp;
    await incrementalView(setUp, '/big', ['a', 'b']);

    // Tree events: a deleted, c created. With a removal among them, they wait for a barrier round trip.
    client.holdBarriers = true;
    client.fire(Event.NODE_DELETED, '/big/a');
    client.fire(Event.NODE_CREATED, '/big/c');
    await settle();
    expect(client.heldBarriers).toHaveLength(1);

    // The connection drops before the barrier's answer; the names are read again on the next one, where c has
    // been deleted meanwhile. The barrier request was still queued: it is answered after that read.
    client.emit('state', zookeeper.State.DISCONNECTED);
    watches.reconnected();
    await vi.waitFor(() => expect(client.rawOf(OP_ADD_WATCH)).toHaveLength(2));
    client.rawOf(OP_ADD_WATCH)[1]?.answer();
    await vi.waitFor(() => expect(client.childReads).toHaveLength(2));
    client.childReads[1]?.answer(['b']);
    for (const answer of client.heldBarriers.splice(0)) answer();
    await settle();

    // What the view shows: the first names, then every diff emitted since.
    const names = new Set(['a', 'b']);
    for (const event of events) {
      if (event.type !== 'children') continue;
      for (const name of event.added) names.add(name);
      for (const name of event.removed) names.delete(name);
    }
    expect([...names].sort()).toEqual(['b']);
  });
});

describe('Watches: a recursive watch added across a reconnect', () => {
  it("is added again after the new connection's SetWatches, which would take half of it (ZOOKEEPER-4466)", async () => {
    // An addWatch still queued when the connection drops goes out first on the next one; node-zookeeper-client
    // queues its SetWatches (the one-shot watches it holds, a data watch of the root among them) behind it. On 3.6-3.8
    // that SetWatches turns the root's watch into a one-shot one: the children under it would change unheard.
    const setUp = setup(new ScriptedClient(), 0);
    const { client, watches } = setUp;
    await incrementalView(setUp, '/big', ['a']);
    client.emit('state', zookeeper.State.DISCONNECTED);
    watches.reconnected();
    await vi.waitFor(() => expect(client.rawOf(OP_ADD_WATCH)).toHaveLength(2));

    // The connection changes again while that add is in flight; it is then answered on the new one.
    client.emit('state', zookeeper.State.DISCONNECTED);
    watches.reconnected();
    client.rawOf(OP_ADD_WATCH)[1]?.answer();
    await vi.waitFor(() => expect(client.childReads).toHaveLength(2));
    client.childReads[1]?.answer(['a']);

    await vi.waitFor(() => expect(client.rawOf(OP_ADD_WATCH)).toHaveLength(3));
    client.rawOf(OP_ADD_WATCH)[2]?.answer();
    await vi.waitFor(() => expect(client.childReads).toHaveLength(3));
    client.childReads[2]?.answer(['a']);
    await settle();
    expect(watches.incrementalPaths()).toEqual(['/big']);
  });
});
