import { type MultiOp, TREE_BATCH, type WireTreeNode, type WorkerApi, zkError } from '@zkit/protocol';
import type { Remote } from 'comlink';
import { describe, expect, it } from 'vitest';
import { AbortableCalls } from '../thread/abortable.js';
import { applyInBatches, batches } from './batches.js';
import { planDelete } from './delete-plan.js';
import { walk } from './walk.js';

/** A worker that answers only what a test gives it. */
function callsOf(api: Partial<WorkerApi>): AbortableCalls {
  const remote = api as unknown as Remote<WorkerApi>;
  return new AbortableCalls(
    (invoke) => invoke(remote),
    () => {},
  );
}

function node(
  name: string,
  children: WireTreeNode[] = [],
  ephemeralOwner: string | null = null,
): WireTreeNode {
  return { name, properties: {}, version: 0, ephemeralOwner, children };
}

const del = (path: string): MultiOp => ({ op: 'delete', path, version: -1 });

describe('batches', () => {
  it('cuts at TREE_BATCH operations, in order', () => {
    const ops = Array.from({ length: TREE_BATCH.operations * 2 + 1 }, (_, i) => del(`/n${i}`));
    const cut = batches(ops);
    expect(cut.map((batch) => batch.length)).toEqual([TREE_BATCH.operations, TREE_BATCH.operations, 1]);
    expect(cut.flat()).toEqual(ops);
  });

  it('cuts at TREE_BATCH bytes, and never leaves a big operation alone out', () => {
    const data = 'x'.repeat(TREE_BATCH.bytes / 2);
    const ops: MultiOp[] = [1, 2, 3].map((i) => ({ op: 'set', path: `/n${i}`, data, version: 0 }));
    expect(batches(ops).map((batch) => batch.length)).toEqual([1, 1, 1]);
    expect(batches([])).toEqual([]);
  });

  it('a refused batch stops the rest and says how far it got, with the code and path of the refusal', async () => {
    const sent: number[] = [];
    const calls = callsOf({
      multi: async (ops) => {
        sent.push(ops.length);
        if (sent.length === 2)
          throw zkError('BAD_VERSION', 'the node changed since it was read (/n600)', { path: '/n600' });
      },
    });
    const ops = Array.from({ length: TREE_BATCH.operations * 3 }, (_, i) => del(`/n${i}`));
    const progress: number[] = [];
    const error = await applyInBatches(calls, ops, {
      what: 'import',
      onProgress: (done) => progress.push(done),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BAD_VERSION',
      path: '/n600',
      message: `import stopped after ${TREE_BATCH.operations} of ${ops.length} changes (the rest were not written): the node changed since it was read (/n600)`,
    });
    expect(sent).toHaveLength(2);
    expect(progress).toEqual([TREE_BATCH.operations]);
  });
});

describe('planDelete', () => {
  const tree = node('s', [
    node('a', [node('x', [], 'abc1')]),
    node('b', [node('y'), node('z')]),
    node('e', [], 'abc2'),
  ]);

  it('deletes children first and spares ephemeral nodes and every node above one', () => {
    expect(planDelete(tree, '/s', false)).toEqual({
      deleted: ['/s/b/y', '/s/b/z', '/s/b'],
      spared: [
        { path: '/s/a/x', reason: 'ephemeral' },
        { path: '/s/a', reason: 'ephemeral descendant' },
        { path: '/s/e', reason: 'ephemeral' },
        { path: '/s', reason: 'ephemeral descendant' },
      ],
    });
  });

  it('with force, deletes everything, children first', () => {
    expect(planDelete(tree, '/s', true)).toEqual({
      deleted: ['/s/a/x', '/s/a', '/s/b/y', '/s/b/z', '/s/b', '/s/e', '/s'],
      spared: [],
    });
  });
});

describe('walk', () => {
  const stat = (ephemeralOwner: string | null) => ({
    czxid: '1',
    mzxid: '1',
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner,
    dataLength: 0,
    numChildren: 0,
  });
  const tree: Record<string, string[]> = {
    '/r': ['b', 'a', 'c'],
    '/r/a': ['x'],
    '/r/a/x': [],
    '/r/b': ['y'],
    '/r/b/y': [],
    '/r/c': [],
  };
  const calls = callsOf({
    listChildren: async (path) => {
      const children = tree[path];
      if (children === undefined) return null;
      return { stat: stat(path === '/r/c' ? 'abc' : null), children: [...children].sort() };
    },
  });

  it('is depth first and sorted, and pruned by removing names from children', async () => {
    const seen: string[] = [];
    for await (const entry of walk(calls, '/r')) {
      seen.push(entry.path);
      if (entry.path === '/r/b') entry.children.length = 0;
    }
    expect(seen).toEqual(['/r', '/r/a', '/r/a/x', '/r/b', '/r/c']);
  });

  it('leaves ephemeral nodes out when asked, skips nodes deleted meanwhile, rejects a missing root', async () => {
    const seen: string[] = [];
    for await (const entry of walk(calls, '/r', { ephemeral: false })) {
      seen.push(entry.path);
      if (entry.path === '/r') entry.children.push('gone');
    }
    expect(seen).toEqual(['/r', '/r/a', '/r/a/x', '/r/b', '/r/b/y']);
    await expect(walk(calls, '/nothing').next()).rejects.toMatchObject({ code: 'NO_NODE' });
  });
});
