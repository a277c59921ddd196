import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type DataSnapshot, type WorkerApi, type WorkerCommand, zkError } from '@zkit/protocol';
import type { Remote } from 'comlink';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { AbortableCalls } from '../thread/abortable.js';
import type { WorkerCall } from '../thread/worker-handle.js';
import { MirrorRegistry } from '../views/mirror-registry.js';
import type { ServiceChange } from './instance.js';
import { openServices, type Services } from './services.js';

/**
 * A worker over an in-memory tree: watch reads answer from it at once (or after `hold`), and the test plays the
 * worker's events on the registry, as the client does.
 */
function setup() {
  const tree = new Map<string, DataSnapshot>();
  const commands: WorkerCommand[] = [];
  const records: { level: number; msg: string; child?: string; problem?: string }[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  let zxid = 1;
  /**
   * A watch read, answered from the tree as it is just before the reply arrives (a microtask later): events played
   * before the reply find no mirror and are dropped, as the worker's come only after it, so the read must show
   * what they said.
   */
  const answer = <T>(work: () => T): Promise<T> =>
    new Promise((resolve, reject) => {
      const run = () =>
        queueMicrotask(() => {
          try {
            resolve(work());
          } catch (error) {
            reject(error);
          }
        });
      if (hold) held.push(run);
      else run();
    });
  /** Reads that fail once, by path, with the given code. */
  const failures = new Map<string, string>();
  const snapshotOf = (path: string): DataSnapshot => {
    const failure = failures.get(path);
    if (failure !== undefined) {
      failures.delete(path);
      throw zkError(failure as 'WORKER_CRASHED', `${path}: ${failure}`, { path });
    }
    const node = tree.get(path);
    if (!node) throw zkError('NO_NODE', `${path} does not exist`, { path });
    return node;
  };
  const childrenOf = (path: string): string[] => {
    snapshotOf(path);
    return [...tree.keys()].filter((p) => p.startsWith(`${path}/`)).map((p) => p.slice(path.length + 1));
  };
  const api = {
    watchChildren: (path: string) => answer(() => childrenOf(path)),
    watchData: (path: string) => answer(() => snapshotOf(path)),
  } as unknown as Remote<WorkerApi>;
  const call: WorkerCall = (invoke) => invoke(api);
  const send = (command: WorkerCommand) => commands.push(command);
  const calls = new AbortableCalls(call, (id) => send({ type: 'abort', id }));
  const log = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line)) });
  const registry = new MirrorRegistry(calls, { send, failure: () => {} }, log);

  const write = (path: string, data: string | object) => {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    let snapshot: DataSnapshot;
    try {
      const parsed: unknown = JSON.parse(text);
      snapshot =
        typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
          ? { properties: parsed as DataSnapshot['properties'], mzxid: String(++zxid), version: 0 }
          : {
              properties: { string_value: text },
              mzxid: String(++zxid),
              version: 0,
              problem: 'node data is not an object',
            };
    } catch {
      snapshot = {
        properties: { string_value: text },
        mzxid: String(++zxid),
        version: 0,
        problem: 'node data is not JSON',
      };
    }
    const existed = tree.has(path);
    tree.set(path, snapshot);
    return { snapshot, existed };
  };
  const zk = {
    tree,
    failures,
    commands,
    records,
    registry,
    /** Creates or sets a node and plays the worker's events for it. */
    set(path: string, data: string | object = {}) {
      const { snapshot, existed } = write(path, data);
      if (existed) registry.onData(path, snapshot);
      else
        registry.onChildren(
          path.slice(0, path.lastIndexOf('/')),
          [path.slice(path.lastIndexOf('/') + 1)],
          [],
        );
    },
    /** Creates a node without telling anyone (it was there before the view). */
    seed(path: string, data: string | object = {}) {
      write(path, data);
    },
    remove(path: string) {
      tree.delete(path);
      registry.onDeleted('data', path);
      const parent = path.slice(0, path.lastIndexOf('/'));
      registry.onChildren(parent, [], [path.slice(path.lastIndexOf('/') + 1)]);
    },
    hold(on: boolean) {
      hold = on;
      if (!on) for (const run of held.splice(0)) run();
    },
    /** Answers the reads held so far; later ones are held still. */
    step() {
      for (const run of held.splice(0)) run();
    },
    open(path: string, options: { format?: 'zkit' | 'curator'; signal?: AbortSignal } = {}) {
      return openServices({ mirrors: registry, log }, path, options);
    },
    problems: () => records.filter((r) => r.msg.includes('not a valid instance')),
  };
  return zk;
}

/** Past the follower's next delivery: a new child's first read settles in microtasks, then it delivers. */
const turn = async () => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
};

function recordChanges(view: Services) {
  const seen: { added: string[]; removed: string[]; updated: string[]; data: unknown[] }[] = [];
  view.watch((_view, change) => seen.push(summary(change)));
  return seen;
}

function summary(change: ServiceChange) {
  return {
    added: change.added.map((i) => i.id),
    removed: change.removed.map((i) => i.id),
    updated: change.updated.map((i) => i.id),
    data: change.updated.map((i) => i.data),
  };
}

describe('services view (zkit format)', () => {
  it('resolves with every child read: address, port and data parsed, sorted by id', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/10.0.0.2:80', { pid: 2 });
    zk.seed('/s/10.0.0.1:8080', { pid: 1, zone: 'a' });
    zk.seed('/s/[::1]:443', { pid: 3, enabled: false });

    const view = await zk.open('/s');

    expect(view.size).toBe(3);
    expect(view.toArray().map((i) => i.id)).toEqual(['10.0.0.1:8080', '10.0.0.2:80', '[::1]:443']);
    expect(view.get('10.0.0.1:8080')).toEqual({
      id: '10.0.0.1:8080',
      name: 's',
      address: '10.0.0.1',
      port: 8080,
      sslPort: null,
      data: { pid: 1, zone: 'a' },
      enabled: true,
      uriSpec: null,
      registrationTime: null,
    });
    expect(view.get('[::1]:443')).toMatchObject({ address: '::1', port: 443, enabled: false });
    expect(Object.isFrozen(view.get('10.0.0.2:80'))).toBe(true);
    expect([...view].map((i) => i.port)).toEqual([8080, 80, 443]);
  });

  it('waits for the data of every child before resolving', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { pid: 1 });
    zk.hold(true);
    let resolved = false;
    const opening = zk.open('/s').then((view) => {
      resolved = true;
      return view;
    });
    zk.step(); // the children list
    await turn();
    expect(resolved).toBe(false);
    zk.hold(false); // the child's data
    const view = await opening;
    expect(view.get('h:1')?.data).toEqual({ pid: 1 });
    expect(view.has('h:1')).toBe(true);
  });

  it('leaves out a child deleted between the list and its read', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1');
    zk.seed('/s/h:2');
    zk.hold(true);
    const opening = zk.open('/s');
    zk.step();
    await turn();
    zk.tree.delete('/s/h:2');
    zk.hold(false);
    const view = await opening;
    expect(view.toArray().map((i) => i.id)).toEqual(['h:1']);
    expect(zk.problems()).toEqual([]);
  });

  it('rejects NO_NODE for a missing service, INVALID_OPTION for an unknown format', async () => {
    const zk = setup();
    await expect(zk.open('/nope')).rejects.toMatchObject({ code: 'NO_NODE' });
    zk.seed('/s');
    await expect(zk.open('/s', { format: 'eureka' as 'zkit' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });

  it('skips a bad child without hiding the others, logging it once, and reads no data of a bad name', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { pid: 1 });
    zk.seed('/s/pm2-3@host', { pid: 3 });
    zk.seed('/s/h:2', 'not json');

    const view = await zk.open('/s');
    const seen = recordChanges(view);

    expect(view.toArray().map((i) => i.id)).toEqual(['h:1']);
    expect(zk.problems().map((r) => [r.child, r.problem])).toEqual([
      ['pm2-3@host', 'the name is not HOST:PORT'],
      ['h:2', 'node data is not JSON'],
    ]);
    zk.set('/s/h:2', 'still not json');
    zk.set('/s/h:1', { pid: 1, more: true });
    await turn();
    expect(zk.problems()).toHaveLength(2);
    expect(seen.at(-1)).toEqual({ added: [], removed: [], updated: ['h:1'], data: [{ pid: 1, more: true }] });

    view.close();
    // The bad name never had a data watch; the others are given back.
    expect(zk.commands.filter((c) => c.type === 'unwatch').map((c) => 'path' in c && c.path)).toEqual(
      expect.arrayContaining(['/s', '/s/h:1', '/s/h:2']),
    );
    expect(zk.commands.some((c) => 'path' in c && c.path === '/s/pm2-3@host')).toBe(false);
  });

  it('removes a good instance overwritten with bad data, and adds it back once repaired', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { pid: 1 });
    const view = await zk.open('/s');
    const seen = recordChanges(view);

    zk.set('/s/h:1', '[1,2]');
    await turn();
    expect(view.get('h:1')).toBeUndefined();
    expect(view.has('h:1')).toBe(false);
    expect(seen.at(-1)).toMatchObject({ removed: ['h:1'], added: [], updated: [] });
    expect(zk.problems()).toHaveLength(1);

    zk.set('/s/h:1', { pid: 2 });
    await turn();
    expect(view.get('h:1')?.data).toEqual({ pid: 2 });
    expect(seen.at(-1)).toMatchObject({ added: ['h:1'], removed: [], updated: [] });
  });

  it('calls back at once with every instance added, then once per turn with only what changed', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { pid: 1 });
    zk.seed('/s/h:2', { pid: 2 });
    const view = await zk.open('/s');
    const seen = recordChanges(view);
    expect(seen).toEqual([{ added: ['h:1', 'h:2'], removed: [], updated: [], data: [] }]);

    zk.set('/s/h:2', { pid: 2, zone: 'b' });
    zk.set('/s/h:3', { pid: 3 });
    zk.remove('/s/h:1');
    expect(seen).toHaveLength(1); // told once the turn is over
    await turn();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual({
      added: ['h:3'],
      removed: ['h:1'],
      updated: ['h:2'],
      data: [{ pid: 2, zone: 'b' }],
    });

    // The same data written again changes nothing anyone could see.
    zk.set('/s/h:2', { pid: 2, zone: 'b' });
    await turn();
    expect(seen).toHaveLength(2);
  });

  it('merges changes while a changes() loop is slow: added then removed is nothing, updated twice the last', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { v: 1 });
    const view = await zk.open('/s');
    const changes = view.changes();
    expect(summary((await changes.next()).value)).toMatchObject({ added: ['h:1'] });

    zk.set('/s/h:1', { v: 2 });
    zk.set('/s/h:2', {});
    await turn();
    zk.set('/s/h:1', { v: 3 });
    zk.remove('/s/h:2');
    await turn();
    expect(summary((await changes.next()).value)).toEqual({
      added: [],
      removed: [],
      updated: ['h:1'],
      data: [{ v: 3 }],
    });

    view.close();
    expect(await changes.next()).toEqual({ done: true, value: undefined });
  });

  it('ends with every instance removed when the service node is deleted', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1');
    const view = await zk.open('/s');
    const seen = recordChanges(view);
    const changes = view.changes();
    await changes.next();

    zk.tree.clear();
    zk.registry.onDeleted('data', '/s/h:1');
    zk.registry.onDeleted('children', '/s');
    await turn();

    expect(view.deleted).toBe(true);
    expect(view.size).toBe(0);
    expect(seen.at(-1)).toMatchObject({ removed: ['h:1'] });
    expect(await changes.next()).toMatchObject({ done: false, value: { removed: [{ id: 'h:1' }] } });
    expect(await changes.next()).toEqual({ done: true, value: undefined });
    zk.set('/s', {}); // nothing follows a deleted view
    const calls = seen.length;
    await turn();
    expect(seen).toHaveLength(calls);
  });

  it('resolves, ended, when the watch of the service node ends while its children are first read', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1');
    zk.hold(true);
    const opening = zk.open('/s');
    zk.step();
    await turn();
    zk.registry.onEnded('children', '/s', zkError('NO_AUTH', 'no', { path: '/s' }));
    const view = await opening;
    expect(view.error?.code).toBe('NO_AUTH');
    expect(view.size).toBe(0);
  });

  it('gives every watch back when closed, and shares mirrors with other views', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1');
    zk.seed('/s/h:2');
    const one = await zk.open('/s');
    const two = await zk.open('/s');
    one.close();
    expect(zk.commands).toEqual([]);
    expect(two.size).toBe(2);
    two.close();
    expect(zk.commands.map((c) => 'path' in c && c.path).sort()).toEqual(['/s', '/s/h:1', '/s/h:2']);
    expect(() => two.watch(() => {})).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('withdraws the first read of a child removed before it was answered', async () => {
    const zk = setup();
    zk.seed('/s');
    const view = await zk.open('/s');
    zk.hold(true);
    zk.set('/s/h:1', { pid: 1 });
    zk.tree.delete('/s/h:1');
    zk.registry.onChildren('/s', [], ['h:1']);
    zk.hold(false);
    await turn();
    expect(view.size).toBe(0);
    view.close();
    // The read of /s/h:1 was abandoned; nothing of it is held.
    expect(zk.commands.filter((c) => c.type === 'abort')).toHaveLength(1);
  });

  it('reads again, at the next change of the list, a listed child that was missing when read', async () => {
    const zk = setup();
    zk.seed('/s');
    const view = await zk.open('/s');
    // Listed, but deleted before its read (and made again later without the list changing).
    zk.registry.onChildren('/s', ['h:1'], []);
    await turn();
    expect(view.size).toBe(0);
    zk.seed('/s/h:1', { pid: 1 });
    zk.set('/s/h:2', { pid: 2 });
    await turn();
    expect(view.toArray().map((i) => i.id)).toEqual(['h:1', 'h:2']);
  });

  it('reads again a listed child that was missing when read, though the list never changes again', async () => {
    const zk = setup();
    zk.seed('/s');
    const view = await zk.open('/s');
    // Deleted before its read and made again before the list was re-read: the list shows no change to act on.
    zk.registry.onChildren('/s', ['h:1'], []);
    await turn();
    expect(view.size).toBe(0);
    zk.seed('/s/h:1', { pid: 1 });
    await vi.waitFor(() => expect(view.toArray().map((i) => i.id)).toEqual(['h:1']), { timeout: 5000 });
  });

  it('reads a child again when its node was deleted and made again under the same name', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { v: 1 });
    const view = await zk.open('/s');
    const seen = recordChanges(view);
    zk.seed('/s/h:1', { v: 2 });
    zk.registry.onDeleted('data', '/s/h:1');
    await turn();
    expect(view.get('h:1')?.data).toEqual({ v: 2 });
    expect(seen.at(-1)).toMatchObject({ updated: ['h:1'] });
  });

  it('waits, trying again, for a child whose read failed for the session, but not for one it may not read', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { pid: 1 });
    zk.seed('/s/h:2', { pid: 2 });
    zk.failures.set('/s/h:1', 'WORKER_CRASHED');
    zk.failures.set('/s/h:2', 'NO_AUTH');

    const view = await zk.open('/s');

    expect(view.toArray().map((i) => i.id)).toEqual(['h:1']);
    expect(zk.problems().map((r) => [r.child, r.problem])).toEqual([
      ['h:2', 'its data could not be read: NO_AUTH'],
    ]);
    // Read again at the next change of the list.
    zk.set('/s/h:3');
    await turn();
    expect(view.toArray().map((i) => i.id)).toEqual(['h:1', 'h:2', 'h:3']);
  });

  it("is ABORTED, holding nothing, when the signal fires before the children's data is read", async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1');
    zk.hold(true);
    const controller = new AbortController();
    const opening = zk.open('/s', { signal: controller.signal });
    zk.step();
    await turn();
    controller.abort();
    await expect(opening).rejects.toMatchObject({ code: 'ABORTED' });
    zk.hold(false);
    await turn();
    expect(zk.commands.filter((c) => c.type === 'unwatch').map((c) => 'path' in c && c.path)).toEqual([
      '/s',
      '/s/h:1',
    ]);
  });

  it('gives a provider that picks among the enabled instances as the view holds them at each pick', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1', { pid: 1 });
    zk.seed('/s/h:2', { pid: 2, enabled: false });
    const view = await zk.open('/s');
    const provider = view.provider();
    expect([provider.pick()?.id, provider.pick()?.id]).toEqual(['h:1', 'h:1']);
    zk.set('/s/h:2', { pid: 2 });
    zk.remove('/s/h:1');
    await turn();
    expect(provider.pick()?.id).toBe('h:2');
    zk.remove('/s/h:2');
    await turn();
    expect(provider.pick()).toBeUndefined();
  });

  it('removes a callback that throws and logs it; the others carry on', async () => {
    const zk = setup();
    zk.seed('/s');
    const view = await zk.open('/s');
    let calls = 0;
    view.watch((_v, change) => {
      if (change.added.length > 0) throw new Error('boom');
    });
    view.watch(() => calls++);
    zk.set('/s/h:1');
    await turn();
    zk.set('/s/h:2');
    await turn();
    expect(calls).toBe(3);
    expect(zk.records.filter((r) => r.msg.includes('watch callback threw'))).toHaveLength(1);
  });
});

describe('services view: any sequence of changes', () => {
  it('lists what the tree holds, sorted, read between changes or not; the changes told add up to it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('set', 'remove', 'read', 'turn'),
            fc.integer({ min: 0, max: 6 }),
            fc.nat(3),
          ),
          { maxLength: 40 },
        ),
        async (steps) => {
          const zk = setup();
          zk.seed('/s');
          const view = await zk.open('/s');
          const told = new Map<string, unknown>();
          view.watch((_v, change) => {
            for (const i of change.removed) told.delete(i.id);
            for (const i of [...change.added, ...change.updated]) told.set(i.id, i.data);
          });
          for (const [op, n, v] of steps) {
            const path = `/s/h:${n + 1}`;
            if (op === 'set') zk.set(path, v === 3 ? 'bad' : { v });
            else if (op === 'remove' && zk.tree.has(path)) zk.remove(path);
            else if (op === 'read') view.toArray();
            else await turn();
          }
          await turn();
          const expected = [...zk.tree.entries()]
            .filter(([path, node]) => path !== '/s' && node.problem === undefined)
            .map(([path, node]) => [path.slice(3), node.properties] as const)
            .sort(([a], [b]) => (a < b ? -1 : 1));
          expect(view.toArray().map((i) => [i.id, i.data])).toEqual(expected);
          expect([...told.entries()].sort(([a], [b]) => (a < b ? -1 : 1))).toEqual(expected);
          view.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('services view (curator format)', () => {
  it("reads Curator's JSON, payload without @class, and skips a bad child", async () => {
    const zk = setup();
    zk.seed('/services/echo');
    zk.seed('/services/echo/f9a96f50', {
      name: 'echo',
      id: 'f9a96f50',
      address: '10.0.0.1',
      port: 8081,
      sslPort: null,
      payload: { '@class': 'java.util.LinkedHashMap', zone: 'a' },
      registrationTimeUTC: 1796099087990,
      serviceType: 'DYNAMIC',
      uriSpec: null,
    });
    zk.seed('/services/echo/bad', 'not json');
    zk.seed('/services/echo/10.0.0.9:1', { pid: 1 });

    const view = await zk.open('/services/echo', { format: 'curator' });

    expect(view.format).toBe('curator');
    expect(view.toArray()).toEqual([
      {
        id: 'f9a96f50',
        name: 'echo',
        address: '10.0.0.1',
        port: 8081,
        sslPort: null,
        data: { zone: 'a' },
        enabled: true,
        uriSpec: null,
        registrationTime: 1796099087990,
      },
    ]);
    expect(
      zk
        .problems()
        .map((r) => r.child)
        .sort(),
    ).toEqual(['10.0.0.9:1', 'bad']);
  });
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('services views dropped without close()', () => {
  it('are collected when they have no callbacks, giving every watch back', async () => {
    const zk = setup();
    zk.seed('/s');
    zk.seed('/s/h:1');
    await (async () => {
      await zk.open('/s');
    })();
    const watched = await zk.open('/s');
    watched.watch(() => {});
    for (let attempt = 0; attempt < 50 && !zk.records.some((r) => r.msg.includes('garbage')); attempt++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(zk.records.filter((r) => r.msg.includes('garbage-collected'))).toHaveLength(1);
    // The watched view still holds both paths.
    expect(zk.commands).toEqual([]);
    zk.set('/s/h:2');
    await turn();
    expect(watched.size).toBe(2);
    watched.close();
    expect(zk.commands.map((c) => 'path' in c && c.path).sort()).toEqual(['/s', '/s/h:1', '/s/h:2']);
  });

  it('are kept while a watch callback or a changes() loop runs', async () => {
    const zk = setup();
    zk.seed('/s');
    let seen = 0;
    await (async () => {
      (await zk.open('/s')).watch(() => seen++);
      const loop = (await zk.open('/s')).changes();
      void (async () => {
        for await (const _change of loop) seen++;
      })();
    })();
    for (let attempt = 0; attempt < 10; attempt++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(zk.records.filter((r) => r.msg.includes('garbage-collected'))).toHaveLength(0);
    zk.set('/s/h:1');
    await turn();
    expect(seen).toBe(3);
  });
});
