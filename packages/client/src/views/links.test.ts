import { type CallContext, type WorkerApi, type WorkerCommand, zkError } from '@zkit/protocol';
import type { Remote } from 'comlink';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AbortableCalls } from '../thread/abortable.js';
import type { WorkerCall } from '../thread/worker-handle.js';
import { Children } from './children.js';
import { MirrorRegistry } from './mirror-registry.js';

/**
 * A worker over a fixed map of children lists (a path not in it is NO_NODE), links resolved by `links` (path ->
 * resolved path), and a registry in front of them.
 */
function setup(nodes: Record<string, string[]>, links: Record<string, string>) {
  const commands: WorkerCommand[] = [];
  const resolved: string[] = [];
  const api = {
    watchChildren: async (path: string, _call?: CallContext) => {
      const names = nodes[path];
      if (names === undefined) throw zkError('NO_NODE', `${path} does not exist`, { path });
      return names;
    },
  } as unknown as Remote<WorkerApi>;
  const call: WorkerCall = (invoke) => invoke(api);
  const send = (command: WorkerCommand) => commands.push(command);
  const calls = new AbortableCalls(call, (id) => send({ type: 'abort', id }));
  const resolve = async (path: string) => {
    resolved.push(path);
    const target = links[path];
    if (target === undefined) throw zkError('NO_NODE', `${path} does not exist`, { path });
    return target;
  };
  const registry = new MirrorRegistry(calls, { send, failure: () => {}, resolve }, pino({ level: 'silent' }));
  const children = async (path: string) =>
    new Children(await registry.follow('children', path), registry.owner, path);
  const settle = () => new Promise((done) => setImmediate(done));
  return { commands, resolved, registry, children, settle };
}

describe('views that follow symbolic links', () => {
  it('resolve nothing when the path exists', async () => {
    const { resolved, children } = setup({ '/a': ['x'] }, {});
    const view = await children('/a');
    expect(view.toArray()).toEqual(['x']);
    expect(view.resolvedPath).toBe('/a');
    expect(resolved).toEqual([]);
  });

  it('follow a link when the first read says NO_NODE, keeping the path asked for', async () => {
    const { resolved, children } = setup({ '/db/main': ['p'] }, { '/app/db': '/db/main' });
    const view = await children('/app/db');
    expect(view.path).toBe('/app/db');
    expect(view.resolvedPath).toBe('/db/main');
    expect(view.toArray()).toEqual(['p']);
    expect(resolved).toEqual(['/app/db']);
  });

  it('move to the new target when the node is deleted, with one callback; a direct view is deleted', async () => {
    const nodes: Record<string, string[]> = { '/old': ['a'], '/new': ['b', 'c'] };
    const links: Record<string, string> = { '/link': '/old' };
    const { commands, registry, children, settle } = setup(nodes, links);
    const linked = await children('/link');
    const direct = await children('/old');
    const idle = await children('/link');
    const seen: string[][] = [];
    linked.watch((view) => seen.push(view.toArray()));

    links['/link'] = '/new';
    delete nodes['/old'];
    registry.onDeleted('children', '/old');
    // Meanwhile the view shows its last state, not deleted.
    expect(linked.deleted).toBe(false);
    expect(linked.toArray()).toEqual(['a']);
    expect(direct.deleted).toBe(true);
    await settle();

    expect(linked.resolvedPath).toBe('/new');
    expect(linked.toArray()).toEqual(['b', 'c']);
    expect(seen).toEqual([['a'], ['b', 'c']]);
    expect(idle.resolvedPath).toBe('/new');

    // Both moved views share the new mirror: the last to close gives its watch back.
    registry.onChildren('/new', ['d'], []);
    expect(seen.at(-1)).toEqual(['b', 'c', 'd']);
    linked.close();
    expect(commands).toEqual([]);
    idle.close();
    expect(commands).toEqual([{ type: 'unwatch', kind: 'children', path: '/new' }]);
  });

  it('are deleted when the path names nothing any more', async () => {
    const links: Record<string, string> = { '/link': '/old' };
    const { registry, children, settle } = setup({ '/old': ['a'] }, links);
    const view = await children('/link');
    const seen: boolean[] = [];
    view.watch((v) => seen.push(v.deleted));

    delete links['/link'];
    registry.onDeleted('children', '/old');
    await settle();

    expect(view.deleted).toBe(true);
    expect(view.size).toBe(0);
    expect(seen).toEqual([false, true]);
  });

  it('withdraw the resolution when closed meanwhile', async () => {
    const links: Record<string, string> = { '/link': '/old' };
    const { commands, registry, children, settle } = setup({ '/old': ['a'], '/new': [] }, links);
    const view = await children('/link');
    links['/link'] = '/new';
    registry.onDeleted('children', '/old');
    view.close();
    await settle();
    await settle();
    // The resolution in flight was withdrawn (its first read aborted) before it watched /new: nothing to give back.
    expect(commands).toEqual([{ type: 'abort', id: expect.any(Number) }]);
    expect(view.resolvedPath).toBe('/old');
  });
});
