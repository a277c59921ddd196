import { InvalidInputError, isZkError, NodeError } from '@zkit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Instance } from './instance.js';
import { testInstance } from './instances.fixture.js';
import { createProvider, InstanceProvider, type ProviderClock, type ProviderOptions } from './provider.js';
import type { Strategy } from './strategies.js';

const STRATEGIES: readonly Strategy[] = ['round-robin', 'random', 'sticky', 'least-request'];

const instance = testInstance;

/** A deterministic random() (mulberry32), so a failing property replays from its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock whose time moves only when the test says, and whose random() starts round robin at the first. */
function fakeClock(random: () => number = () => 0): ProviderClock & { time: number } {
  return {
    time: 0,
    now() {
      return this.time;
    },
    random,
  };
}

/** A mutable view: what `source()` returns, sorted by id like a services view's. */
function view(...instances: Instance[]) {
  let current = [...instances];
  return {
    source: () => current,
    set(...next: Instance[]) {
      current = [...next].sort((a, b) => (a.id < b.id ? -1 : 1));
    },
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function provider(source: () => readonly Instance[], options?: ProviderOptions, clock = fakeClock()) {
  const made = createProvider(source, options, clock);
  if (!(made instanceof InstanceProvider)) throw new Error('expected an InstanceProvider');
  return made;
}

const a = instance('a');
const b = instance('b');
const c = instance('c');

describe('picking', () => {
  it('picks nothing when no instance is listed, enabled and not down', () => {
    const instances = view();
    const p = provider(instances.source);
    expect(p.pick()).toBeUndefined();
    instances.set(instance('a', false), instance('b', false));
    expect(p.pick()).toBeUndefined();
    instances.set(a);
    p.noteError(a);
    p.noteError(a);
    expect(p.pick()).toBeUndefined();
  });

  it('goes round the up instances, leaving out the disabled and the down', () => {
    const instances = view(a, instance('b', false), c, instance('d'));
    const p = provider(instances.source);
    p.noteError(c);
    p.noteError(c);
    expect(Array.from({ length: 4 }, () => p.pick()?.id)).toEqual(['a', 'd', 'a', 'd']);
  });

  it('brings a down instance back after downFor, by the clock', () => {
    const clock = fakeClock();
    const p = provider(view(a).source, { downAfterErrors: 1, downFor: 500 }, clock);
    expect(p.pick()).toBe(a);
    p.noteError(a);
    clock.time = 499;
    expect(p.pick()).toBeUndefined();
    clock.time = 500;
    expect(p.pick()).toBe(a);
  });

  it('forgets the errors of an instance that left the view', () => {
    const instances = view(a, b);
    const p = provider(instances.source);
    p.noteError(a);
    instances.set(b);
    expect(p.pick()).toBe(b);
    instances.set(a, b);
    p.noteError(a);
    expect([p.pick(), p.pick()].map((each) => each?.id).sort()).toEqual(['a', 'b']);
  });

  it('never picks an instance that is absent, disabled or down, and picks when one is up', () => {
    const id = fc.constantFrom('a', 'b', 'c');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('pick' as const) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.nat({ max: 30 }) }),
      fc.record({
        kind: fc.constantFrom('error' as const, 'toggle' as const, 'remove' as const, 'add' as const),
        id,
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...STRATEGIES),
        fc.integer(),
        fc.integer({ min: 1, max: 50 }),
        fc.array(op, { maxLength: 80 }),
        checkPicks,
      ),
    );
  });
});

type Op =
  | { readonly kind: 'pick' }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'error' | 'toggle' | 'remove' | 'add'; readonly id: string };

/**
 * Plays `ops` against a provider (an instance is down at its first error) and a model of what must hold. The model
 * knows when an instance is certainly down; one that left the view while down may come back down or fresh
 * (depending on whether a pick saw it gone), so until a pick returns it, it counts as neither certainly up nor down.
 */
function checkPicks(strategy: Strategy, seed: number, downFor: number, ops: readonly Op[]): void {
  const clock = fakeClock(seeded(seed));
  const listed = new Map(['a', 'b', 'c'].map((id) => [id, instance(id)]));
  // A snapshot replaced on every change, as a services view's: the provider's cache of up instances is in play.
  let snapshot: readonly Instance[] = [];
  const changed = () => {
    snapshot = Object.freeze([...listed.values()].sort((x, y) => (x.id < y.id ? -1 : 1)));
  };
  changed();
  const p = provider(() => snapshot, { strategy, downAfterErrors: 1, downFor }, clock);
  const downUntil = new Map<string, number>();
  const maybeUntil = new Map<string, number>();
  const until = (map: Map<string, number>, id: string) => map.get(id) ?? Number.NEGATIVE_INFINITY;
  for (const step of ops) {
    const now = clock.time;
    if (step.kind === 'pick') {
      const picked = p.pick();
      const certainlyUp = snapshot.filter(
        (each) => each.enabled && until(downUntil, each.id) <= now && until(maybeUntil, each.id) <= now,
      );
      if (picked === undefined) {
        expect(certainlyUp).toEqual([]);
      } else {
        expect(snapshot).toContain(picked);
        expect(picked.enabled).toBe(true);
        expect(until(downUntil, picked.id)).toBeLessThanOrEqual(now);
        maybeUntil.delete(picked.id);
      }
    } else if (step.kind === 'wait') {
      clock.time += step.ms;
    } else if (step.kind === 'error') {
      p.noteError(listed.get(step.id) ?? instance(step.id));
      if (!listed.has(step.id)) {
        maybeUntil.set(step.id, Math.max(until(maybeUntil, step.id), now + downFor));
      } else if (until(maybeUntil, step.id) > now) {
        // Down until the old time if the provider kept its record, else from now: certainly the first.
        downUntil.set(step.id, Math.max(until(downUntil, step.id), until(maybeUntil, step.id)));
        maybeUntil.set(step.id, now + downFor);
      } else if (until(downUntil, step.id) <= now) {
        downUntil.set(step.id, now + downFor);
      }
    } else if (step.kind === 'toggle') {
      const current = listed.get(step.id);
      if (current !== undefined) listed.set(step.id, instance(step.id, !current.enabled));
      changed();
    } else if (step.kind === 'remove') {
      if (listed.delete(step.id) && until(downUntil, step.id) > now) {
        maybeUntil.set(step.id, Math.max(until(maybeUntil, step.id), until(downUntil, step.id)));
      }
      downUntil.delete(step.id);
      changed();
    } else if (!listed.has(step.id)) {
      listed.set(step.id, instance(step.id));
      changed();
    }
  }
}

describe('run', () => {
  it('runs work on a picked instance, counting it in flight until it settles', async () => {
    const p = provider(() => [a]);
    const work = deferred<string>();
    const result = p.run(async (picked) => {
      expect(picked).toBe(a);
      return work.promise;
    });
    expect(p.inFlightCounts()).toEqual(new Map([['a', 1]]));
    work.resolve('done');
    await expect(result).resolves.toBe('done');
    expect(p.inFlightCounts().size).toBe(0);
  });

  it('rethrows the very error work threw, and notes it against the instance', async () => {
    const p = provider(() => [a]);
    const boom = new Error('boom');
    await expect(p.run(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(p.pick()).toBe(a);
    await expect(
      p.run(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(p.pick()).toBeUndefined();
    expect(p.inFlightCounts().size).toBe(0);
  });

  it('rejects NO_INSTANCE, saying why, without calling work', async () => {
    const instances = view();
    const p = provider(instances.source);
    let called = false;
    const work = async () => {
      called = true;
    };
    const none = await p.run(work).catch((error: unknown) => error);
    expect(none).toBeInstanceOf(NodeError);
    expect(none).toMatchObject({ code: 'NO_INSTANCE', message: 'no instance of the service is listed' });
    instances.set(instance('a', false), b);
    p.noteError(b);
    p.noteError(b);
    await expect(p.run(work)).rejects.toMatchObject({
      code: 'NO_INSTANCE',
      message: 'no instance of service orders is up: 2 listed, 1 disabled, 1 down after errors',
    });
    expect(called).toBe(false);
  });

  it('balances least-request by the runs in flight', async () => {
    const p = provider(() => [a, b], { strategy: 'least-request' }, fakeClock(seeded(9)));
    const slow = deferred<void>();
    let first: Instance | undefined;
    const pending = p.run(async (picked) => {
      first = picked;
      await slow.promise;
    });
    // One at a time, so each sees only the slow run in flight: of the two, the other is always less busy.
    const others: Instance[] = [];
    for (let k = 0; k < 20; k++) others.push(await p.run(async (picked) => picked));
    expect(others.every((each) => each !== first)).toBe(true);
    slow.resolve();
    await pending;
  });

  it('counts each run in flight once, and leaves no count behind, whatever order they settle in', async () => {
    // Each run fails or not, and may take the view down to one instance as it settles; `rank` orders the settling.
    const plan = fc.array(fc.record({ fails: fc.boolean(), leaves: fc.boolean(), rank: fc.nat() }), {
      minLength: 1,
      maxLength: 20,
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...STRATEGIES), plan, fc.integer(), async (strategy, runs, seed) => {
        const instances = view(a, b, c);
        // Errors never take an instance down here: each run must find one.
        const p = provider(instances.source, { strategy, downAfterErrors: 1000 }, fakeClock(seeded(seed)));
        const pending = runs.map(() => deferred<void>());
        const settled = runs.map((_, k) =>
          p
            .run(() => pending[k]!.promise)
            .then(
              () => 'ok',
              () => 'failed',
            ),
        );
        const total = () => [...p.inFlightCounts().values()].reduce((sum, n) => sum + n, 0);
        expect(total()).toBe(runs.length);
        const order = [...runs.keys()].sort((x, y) => runs[x]!.rank - runs[y]!.rank);
        for (const [done, k] of order.entries()) {
          if (runs[k]!.leaves) instances.set(a);
          if (runs[k]!.fails) pending[k]!.reject(new Error('failed'));
          else pending[k]!.resolve();
          await settled[k];
          expect(total()).toBe(runs.length - done - 1);
        }
        expect(p.inFlightCounts().size).toBe(0);
      }),
    );
  });

  it('rejects ABORTED before picking when the signal has fired', async () => {
    const p = provider(() => [a]);
    let called = false;
    const aborted = p.run(
      async () => {
        called = true;
      },
      { signal: AbortSignal.abort() },
    );
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    expect(called).toBe(false);
  });

  it('rejects ABORTED when the signal fires, counts the work until it settles, notes no error', async () => {
    const p = provider(() => [a], { downAfterErrors: 1 });
    const controller = new AbortController();
    const work = deferred<void>();
    let given: AbortSignal | undefined;
    const result = p.run(
      (_, signal) => {
        given = signal;
        return work.promise;
      },
      { signal: controller.signal },
    );
    expect(given).toBe(controller.signal);
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'ABORTED' });
    expect(p.inFlightCounts()).toEqual(new Map([['a', 1]]));
    work.reject(new Error('aborted by the caller'));
    // run() settled long ago; the work's own settling releases the count (its handlers ran before this one).
    await work.promise.catch(() => {});
    expect(p.inFlightCounts().size).toBe(0);
    expect(p.pick()).toBe(a);
  });
});

describe('options', () => {
  it.each<[string, unknown]>([
    ['an unknown strategy', { strategy: 'fastest' }],
    ['downAfterErrors 0', { downAfterErrors: 0 }],
    ['downAfterErrors 1.5', { downAfterErrors: 1.5 }],
    ['errorWindow 0', { errorWindow: 0 }],
    ['downFor -1', { downFor: -1 }],
    ['downFor NaN', { downFor: Number.NaN }],
    ['errorWindow as a string', { errorWindow: '30s' }],
    ['options that are not an object', 'round-robin'],
  ])('refuses %s at once with INVALID_OPTION', (_, options) => {
    const make = () => createProvider(() => [], options as ProviderOptions);
    expect(make).toThrow(InvalidInputError);
    expect(make).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('refuses a noteError without an instance, and a run without work', async () => {
    const p = provider(() => [a]);
    expect(() => p.noteError(undefined as unknown as Instance)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    const refused = await p.run(undefined as unknown as () => Promise<void>).catch((error: unknown) => error);
    expect(isZkError(refused, 'INVALID_OPTION')).toBe(true);
  });
});
