import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { applyChanges, ChildChanges } from './child-changes.js';

function harness() {
  const applied: [string, Record<string, boolean>][] = [];
  // A barrier's reply, as node-zookeeper-client delivers it: answered or failed, `onReply` runs at once.
  const barriers: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const changes = new ChildChanges<string>(
    (onReply) => barriers.push({ resolve: onReply, reject: () => onReply() }),
    (node, pending) => applied.push([node, Object.fromEntries(pending)]),
  );
  return { changes, applied, barriers };
}

describe('ChildChanges', () => {
  it('applies additions of one turn together in the next, without a barrier', async () => {
    const { changes, applied, barriers } = harness();
    changes.note('/a', 'x', true);
    changes.note('/a', 'y', true);
    changes.note('/b', 'z', true);
    expect(applied).toEqual([]);

    await nextTurn();

    expect(applied).toEqual([
      ['/a', { x: true, y: true }],
      ['/b', { z: true }],
    ]);
    expect(barriers).toHaveLength(0);
  });

  it('holds a removal until the barrier answers, keeping the latest event per name', async () => {
    const { changes, applied, barriers } = harness();
    changes.note('/a', 'x', false);
    await nextTurn();
    expect(barriers).toHaveLength(1);
    changes.note('/a', 'x', true); // the rest of the transaction, in a later socket read
    await nextTurn();
    expect(applied).toEqual([]);

    barriers[0]?.resolve();
    await nextTurn();

    expect(applied).toEqual([['/a', { x: true }]]);
    expect(barriers).toHaveLength(1);
  });

  it('applies at the barrier reply, leaving a removal read after it in the same chunk for a barrier of its own', async () => {
    const { changes, applied, barriers } = harness();
    changes.note('/a', 'x', false);
    await nextTurn();

    // One socket read: the barrier's reply, then the first half of a later transaction (delete y, create y).
    barriers[0]?.resolve();
    changes.note('/a', 'y', false);
    expect(applied).toEqual([['/a', { x: false }]]);

    await nextTurn();
    expect(barriers).toHaveLength(2);
    changes.note('/a', 'y', true); // its other half, in the next read
    barriers[1]?.resolve();
    expect(applied).toEqual([
      ['/a', { x: false }],
      ['/a', { y: true }],
    ]);
  });

  it('applies after a failed barrier too, and drops what is pending for a forgotten node', async () => {
    const { changes, applied, barriers } = harness();
    changes.note('/a', 'x', false);
    changes.note('/gone', 'y', false);
    changes.forget('/gone');
    await nextTurn();

    barriers[0]?.reject(new Error('connection lost'));
    await nextTurn();

    expect(applied).toEqual([['/a', { x: false }]]);
  });
});

describe('applyChanges', () => {
  it('changes the names and reports only what actually changed', () => {
    const names = new Set(['a', 'b']);
    const changes = new Map([
      ['a', true], // already there
      ['b', false],
      ['c', true],
      ['d', false], // never there
    ]);

    expect(applyChanges(names, changes)).toEqual({ added: ['c'], removed: ['b'] });
    expect([...names].sort()).toEqual(['a', 'c']);
  });
});
