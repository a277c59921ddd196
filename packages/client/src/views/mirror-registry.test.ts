import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type CallContext,
  type DataSnapshot,
  type WorkerApi,
  type WorkerCommand,
  zkError,
} from '@zkit/protocol';
import type { Remote } from 'comlink';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ZkFailure } from '../failures.js';
import { AbortableCalls } from '../thread/abortable.js';
import type { WorkerCall } from '../thread/worker-handle.js';
import { Children } from './children.js';
import { MirrorRegistry } from './mirror-registry.js';
import { Properties } from './properties.js';

interface Pending {
  readonly method: 'watchChildren' | 'watchData';
  readonly path: string;
  readonly call: CallContext | undefined;
  answer(value: readonly string[] | DataSnapshot): void;
  fail(error: unknown): void;
}

/** A worker whose watch calls wait until the test answers them, and a registry in front of it. */
function setup() {
  const pending: Pending[] = [];
  const commands: WorkerCommand[] = [];
  const failures: ZkFailure[] = [];
  const records: { level: number; msg: string; path?: string }[] = [];
  const watch =
    (method: Pending['method']) =>
    (path: string, call?: CallContext): Promise<unknown> =>
      new Promise((answer, fail) => pending.push({ method, path, call, answer, fail }));
  const api = {
    watchChildren: watch('watchChildren'),
    watchData: watch('watchData'),
  } as unknown as Remote<WorkerApi>;
  const call: WorkerCall = (invoke) => invoke(api);
  const send = (command: WorkerCommand) => commands.push(command);
  const calls = new AbortableCalls(call, (id) => send({ type: 'abort', id }));
  const log = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line)) });
  const registry = new MirrorRegistry(calls, { send, failure: (f) => failures.push(f) }, log);
  const children = async (path: string, signal?: AbortSignal) =>
    new Children(await registry.acquire('children', path, signal), registry.owner);
  const properties = async (path: string) =>
    new Properties(await registry.acquire('data', path), registry.owner, { write: async () => {} });
  /** Opens a children view, answering its first read with `names`. */
  const open = async (path: string, names: readonly string[]) => {
    const view = children(path);
    pending.at(-1)?.answer(names);
    return view;
  };
  return { pending, commands, failures, records, registry, children, properties, open, call };
}

const snapshot = (properties: DataSnapshot['properties'], mzxid: string): DataSnapshot => ({
  properties,
  mzxid,
  version: 0,
});

describe('mirror registry: loading', () => {
  it('shares one first read between concurrent views of a path, and one unwatch after the last closes', async () => {
    const { pending, commands, children } = setup();

    const views = [children('/s'), children('/s')];
    expect(pending).toHaveLength(1);
    pending[0]?.answer(['a']);
    const [one, two] = await Promise.all(views);

    one?.close();
    expect(commands).toEqual([]);
    two?.close();
    expect(commands).toEqual([{ type: 'unwatch', kind: 'children', path: '/s' }]);
  });

  it('lets one caller give up while another still gets the view; the read is not withdrawn', async () => {
    const { pending, commands, children } = setup();
    const controller = new AbortController();
    const givingUp = children('/s', controller.signal);
    const staying = children('/s');

    controller.abort();
    await expect(givingUp).rejects.toMatchObject({ code: 'ABORTED' });
    pending[0]?.answer(['a']);

    expect((await staying).toArray()).toEqual(['a']);
    expect(commands).toEqual([]);
  });

  it('withdraws the read when every caller gave up, and gives back a watch the worker had armed anyway', async () => {
    const { pending, commands, children } = setup();
    const controller = new AbortController();
    const view = children('/s', controller.signal);
    const id = pending[0]?.call?.id;

    controller.abort();
    await expect(view).rejects.toMatchObject({ code: 'ABORTED' });
    expect(commands).toEqual([{ type: 'abort', id }]);
    pending[0]?.answer(['a']);

    await expect.poll(() => commands).toContainEqual({ type: 'unwatch', kind: 'children', path: '/s' });
  });

  it('keeps the watch a new caller shares when an abandoned read completes after it started', async () => {
    const { pending, commands, children } = setup();
    const controller = new AbortController();
    const first = children('/s', controller.signal);
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });

    const second = children('/s');
    expect(pending).toHaveLength(2);
    pending[0]?.answer(['a']);
    pending[1]?.answer(['a']);

    expect((await second).toArray()).toEqual(['a']);
    expect(commands.filter((c) => c.type === 'unwatch')).toEqual([]);
  });

  it('rejects an already-aborted caller before anything is sent', async () => {
    const { pending, children } = setup();

    await expect(children('/s', AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
    expect(pending).toEqual([]);
  });
});

describe('mirror registry: the end of a view', () => {
  it('ends views with a typed error: one last callback, loops end, the last state stays', async () => {
    const { registry, open } = setup();
    const view = await open('/s', ['b', 'a']);
    const seen: string[][] = [];
    view.watch((v) => seen.push(v.toArray()));
    const loop = (async () => {
      let steps = 0;
      for await (const _ of view.changes()) steps++;
      return steps;
    })();

    registry.onEnded('children', '/s', zkError('NO_AUTH', 'not allowed', { path: '/s' }));

    expect(view.error).toMatchObject({ code: 'NO_AUTH', path: '/s' });
    expect(view.deleted).toBe(false);
    expect(view.toArray()).toEqual(['a', 'b']);
    expect(seen).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    // The two changes coalesce: the loop sees the last state once more, then ends.
    expect(await loop).toBeGreaterThanOrEqual(1);
    registry.onChildren('/s', ['c'], []);
    expect(seen).toHaveLength(2);
  });

  it('opens an ended path afresh', async () => {
    const { registry, open, pending } = setup();
    const ended = await open('/s', ['a']);
    registry.onEnded('children', '/s', zkError('NO_AUTH', 'not allowed'));

    const fresh = await open('/s', ['a', 'b']);

    expect(pending).toHaveLength(2);
    expect(fresh.error).toBeUndefined();
    expect(fresh.toArray()).toEqual(['a', 'b']);
    expect(ended.toArray()).toEqual(['a']);
  });

  it('ends a mirror whose re-watch fails after a worker replacement, reports it, and restores the rest', async () => {
    const { registry, open, failures, pending } = setup();
    const denied = await open('/denied', ['a']);
    const fine = await open('/fine', ['a']);
    const gone = await open('/gone', ['a']);

    const rewatch = registry.rewatchAll((invoke) =>
      invoke({
        watchChildren: async (path: string) => {
          if (path === '/denied') throw zkError('NO_AUTH', 'not allowed', { path });
          if (path === '/gone') throw zkError('NO_NODE', 'gone', { path });
          return ['a', 'b'];
        },
      } as unknown as Remote<WorkerApi>),
    );

    await expect(rewatch).resolves.toBeUndefined();
    expect(denied.error?.code).toBe('NO_AUTH');
    expect(gone.deleted).toBe(true);
    expect(fine.toArray()).toEqual(['a', 'b']);
    expect(failures).toEqual([{ kind: 'watch', path: '/denied', error: denied.error }]);
    expect(pending).toHaveLength(3);
  });

  it('passes on a re-watch failure of the worker itself: the next worker re-watches', async () => {
    const { registry, open } = setup();
    const view = await open('/s', ['a']);

    const rewatch = registry.rewatchAll(() => Promise.reject(zkError('WORKER_CRASHED', 'died')));

    await expect(rewatch).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    expect(view.error).toBeUndefined();
  });
});

describe('views', () => {
  it('lets a callback stop itself on its first call, through its second argument', async () => {
    const { open, registry, records } = setup();
    const view = await open('/s', ['a']);
    let calls = 0;

    view.watch((_, stop) => {
      calls++;
      stop();
    });
    registry.onChildren('/s', ['b'], []);

    expect(calls).toBe(1);
    expect(records.filter((r) => r.msg.includes('callback threw'))).toEqual([]);
  });

  it('iterates a sorted snapshot, unaffected by changes made while iterating', async () => {
    const { open, registry } = setup();
    const view = await open('/s', ['c', 'a', 'b']);
    const walked: string[] = [];

    for (const name of view) {
      walked.push(name);
      if (name === 'a') registry.onChildren('/s', ['0', 'z'], ['b']);
    }

    expect(walked).toEqual(['a', 'b', 'c']);
    expect([...view]).toEqual(['0', 'a', 'c', 'z']);
    expect([...view]).toEqual(view.toArray());
  });

  it('calls back once, keeping nothing, when watched after the node was deleted', async () => {
    const { open, registry } = setup();
    const view = await open('/s', ['a']);
    registry.onDeleted('children', '/s');
    let calls = 0;

    view.watch(() => calls++);

    expect(calls).toBe(1);
    expect(view.deleted).toBe(true);
  });
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage until `done()`, a bounded number of times (finalizers run in a later task). */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 50 && !done(); attempt++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('views dropped without close()', () => {
  it('frees the mirror of a collected view and warns once per client', async () => {
    const { commands, records, open, properties, pending } = setup();
    const paths = ['/a', '/b', '/c'];
    // Opened in a function of their own, so no variable of this test's frame keeps a view (or its promise).
    await (async () => {
      for (const path of paths) await open(path, []);
      const props = properties('/p');
      pending.at(-1)?.answer(snapshot({}, '1'));
      await props;
    })();

    await collectUntil(() => commands.length === 4);

    expect(commands).toEqual(
      expect.arrayContaining([
        ...paths.map((path) => ({ type: 'unwatch', kind: 'children', path })),
        { type: 'unwatch', kind: 'data', path: '/p' },
      ]),
    );
    expect(records.filter((r) => r.level === 40)).toHaveLength(1);
    expect(records.filter((r) => r.msg.includes('garbage-collected'))).toHaveLength(4);
  });

  it('keeps a view with a callback (its callback must keep firing) and frees it once the callback stops', async () => {
    const { commands, registry, open } = setup();
    const unwatched = (path: string) => commands.some((c) => c.type === 'unwatch' && c.path === path);
    let calls = 0;
    let stop: (() => void) | undefined;
    await (async () => {
      stop = (await open('/s', [])).watch(() => calls++);
      // Dropped with no callback: once it is collected, the GC has had its chance at /s too.
      await open('/witness', []);
    })();

    await collectUntil(() => unwatched('/witness'));
    expect(unwatched('/witness')).toBe(true);
    registry.onChildren('/s', ['a'], []);
    expect(calls).toBe(2);
    expect(unwatched('/s')).toBe(false);

    stop?.();
    // The subscription refers to its view: drop it too.
    stop = undefined;
    await collectUntil(() => unwatched('/s'));
    expect(unwatched('/s')).toBe(true);
  });

  it('keeps the mirror while another view of it is open', async () => {
    const { commands, open, records } = setup();
    const kept = await open('/s', ['a']);
    await (async () => {
      const dropped = open('/s', []);
      await dropped;
    })();

    await collectUntil(() => records.some((r) => r.msg.includes('garbage-collected')));

    expect(commands).toEqual([]);
    expect(kept.toArray()).toEqual(['a']);
    kept.close();
    expect(commands).toEqual([{ type: 'unwatch', kind: 'children', path: '/s' }]);
  });
});
