import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Instance } from './instance.js';
import { ChangeSet } from './services-diff.js';

const instance = (id: string, v: number): Instance =>
  Object.freeze({
    id,
    name: 's',
    address: 'h',
    port: 1,
    sslPort: null,
    data: { v },
    enabled: true,
    uriSpec: null,
    registrationTime: null,
  });

describe('ChangeSet', () => {
  it('merges by id: added then removed is nothing, updated twice the last, removed then re-added unchanged nothing', () => {
    const set = new ChangeSet();
    const a1 = instance('a', 1);
    const b1 = instance('b', 1);
    const c1 = instance('c', 1);
    set.record('a', undefined, a1);
    set.record('a', a1, undefined);
    set.record('b', b1, instance('b', 2));
    set.record('b', instance('b', 2), instance('b', 3));
    set.record('c', c1, undefined);
    set.record('c', undefined, instance('c', 1));
    expect(set.take()).toEqual({ added: [], removed: [], updated: [instance('b', 3)] });
    expect(set.empty).toBe(true);
  });

  it('turns any sequence of transitions into the difference between where it started and where it ended', () => {
    const ids = ['a', 'b', 'c'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.option(fc.integer({ min: 0, max: 2 }))), {
          maxLength: 30,
        }),
        fc.array(fc.option(fc.integer({ min: 0, max: 2 })), { minLength: 3, maxLength: 3 }),
        (steps, start) => {
          const state = new Map<string, Instance>();
          ids.forEach((id, i) => {
            const v = start[i];
            if (v !== null && v !== undefined) state.set(id, instance(id, v));
          });
          const before = new Map(state);
          const set = new ChangeSet();
          for (const [id, v] of steps) {
            const next = v === null ? undefined : instance(id, v);
            set.record(id, state.get(id), next);
            if (next) state.set(id, next);
            else state.delete(id);
          }
          const change = set.take();
          // Applying the change to the start gives the end.
          const applied = new Map(before);
          for (const i of change.removed) applied.delete(i.id);
          for (const i of [...change.added, ...change.updated]) applied.set(i.id, i);
          expect(applied).toEqual(state);
          for (const i of change.added) expect(before.has(i.id)).toBe(false);
          for (const i of change.removed) expect(state.has(i.id)).toBe(false);
          for (const i of change.updated) expect(before.get(i.id)).not.toEqual(i);
        },
      ),
    );
  });
});
