import { zkError } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import {
  applyChildren,
  applyData,
  childrenMirror,
  dataMirror,
  isFinished,
  markDeleted,
  markEnded,
  replaceChildren,
  sortedNames,
} from './mirror.js';

describe('children mirrors', () => {
  it('applies diffs and says whether anything changed', () => {
    const mirror = childrenMirror('/s', ['a', 'b']);
    expect(applyChildren(mirror, ['c'], ['a'])).toBe(true);
    expect([...mirror.names].sort()).toEqual(['b', 'c']);
    expect(applyChildren(mirror, ['c'], ['x'])).toBe(false);
  });

  it('records what the latest change really added and removed (no-ops and repeats left out)', () => {
    const mirror = childrenMirror('/s', ['a', 'b']);
    applyChildren(mirror, ['c', 'b', 'c'], ['a', 'x']);
    expect(mirror.lastChange).toEqual({ added: ['c'], removed: ['a'] });
    replaceChildren(mirror, ['c', 'd']);
    expect(mirror.lastChange).toEqual({ added: ['d'], removed: ['b'] });
  });

  it('replaces the whole list and reports no change for the same list', () => {
    const mirror = childrenMirror('/s', ['a', 'b']);
    expect(replaceChildren(mirror, ['b', 'a'])).toBe(false);
    expect(replaceChildren(mirror, ['b', 'z'])).toBe(true);
    expect([...mirror.names].sort()).toEqual(['b', 'z']);
  });
});

describe('sorted names', () => {
  it('are a frozen snapshot, replaced (not changed) when the names change', () => {
    const mirror = childrenMirror('/s', ['b', 'a']);
    const before = sortedNames(mirror);
    expect(before).toEqual(['a', 'b']);
    expect(Object.isFrozen(before)).toBe(true);
    expect(sortedNames(mirror)).toBe(before);

    applyChildren(mirror, ['c'], ['a']);

    expect(before).toEqual(['a', 'b']);
    expect(sortedNames(mirror)).toEqual(['b', 'c']);
  });

  it('stay the same snapshot when a diff changes nothing', () => {
    const mirror = childrenMirror('/s', ['a']);
    const before = sortedNames(mirror);
    applyChildren(mirror, ['a'], ['x']);
    expect(sortedNames(mirror)).toBe(before);
  });
});

describe('ended mirrors', () => {
  it('keep their last state and carry the error; deleted ones empty', () => {
    const ended = childrenMirror('/s', ['a']);
    markEnded(ended, zkError('NO_AUTH', 'not allowed'));
    expect(isFinished(ended)).toBe(true);
    expect(ended.deleted).toBe(false);
    expect(sortedNames(ended)).toEqual(['a']);

    const deleted = childrenMirror('/s', ['a']);
    markDeleted(deleted);
    expect(isFinished(deleted)).toBe(true);
    expect(sortedNames(deleted)).toEqual([]);
  });
});

describe('data mirrors', () => {
  it('applies only newer snapshots (by mzxid), and freezes them deeply', () => {
    const mirror = dataMirror('/p', { properties: { a: { b: 1 } }, mzxid: '10', version: 0 });
    expect(applyData(mirror, { properties: { a: { b: 0 } }, mzxid: '9', version: 0 })).toBe(false);
    expect(applyData(mirror, { properties: { a: { b: 2 } }, mzxid: '12', version: 1 })).toBe(true);
    expect(mirror.data.properties).toEqual({ a: { b: 2 } });
    expect(Object.isFrozen((mirror.data.properties as { a: object }).a)).toBe(true);
  });

  it('compares zxids as 64-bit numbers, not strings', () => {
    const mirror = dataMirror('/p', { properties: {}, mzxid: '9', version: 0 });
    expect(applyData(mirror, { properties: { x: 1 }, mzxid: '4294967296', version: 1 })).toBe(true);
  });

  it('empties a deleted mirror', () => {
    const mirror = dataMirror('/p', { properties: { a: 1 }, mzxid: '1', version: 0 });
    markDeleted(mirror);
    expect(mirror.deleted).toBe(true);
    expect(mirror.data.properties).toEqual({});
  });
});
