import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Subscription, ZooKeeper } from '@zkit/client';
import { describe, expect, it } from 'vitest';
import { capturingLogger, client, observer, root } from './support/harness.js';

// The GC on demand, without starting this fork with --expose-gc: V8 takes the flag at run time, and a new context
// then has `gc`. Only this file's process is affected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage (finalizers run in a later task) until `done()` holds, a bounded number of times. */
async function collectUntil(done: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !(await done()); attempt++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const watchCount = async (zk: ZooKeeper) => {
  const { watches } = await zk.diagnostics();
  return watches.children.length + watches.data.length;
};

const DROPPED_WARNING = /garbage-collected without close/;

describe('view lifetime', () => {
  it('gives the watches of views dropped without close() back once they are collected, warning once', async () => {
    const { logger, records } = capturingLogger('warn');
    const zk = await client({ logger });
    const obs = await observer();
    const base = root('dropped-views');
    const paths = Array.from({ length: 200 }, (_, i) => `${base}/n${i}`);
    for (const path of paths) await obs.mkdirp(path);

    // As a request handler would: `(await zk.children(p)).size`, never closed. In a function of its own, so no
    // variable of this test keeps the last view.
    const sizes = await (async () => {
      let total = 0;
      for (const [i, path] of paths.entries()) {
        total += i % 2 === 0 ? (await zk.children(path)).size : (await zk.properties(path)).size;
      }
      return total;
    })();
    expect(sizes).toBe(0);

    await collectUntil(async () => (await watchCount(zk)) === 0);

    expect(await watchCount(zk)).toBe(0);
    const warnings = records.filter((r) => DROPPED_WARNING.test(r.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, path: expect.stringContaining(base) });
  });

  it('keeps a dropped view whose callback is still subscribed: the callback keeps firing', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('subscribed-view');
    await obs.mkdirp(`${base}/watched`);
    await obs.mkdirp(`${base}/witness`);
    const seen: string[][] = [];
    let stop: Subscription | undefined;
    await (async () => {
      stop = (await zk.children(`${base}/watched`)).watch((view) => seen.push(view.toArray()));
      // Dropped with no callback: once its watch is gone, the GC has had its chance at the other view too.
      await zk.children(`${base}/witness`);
    })();

    await collectUntil(async () => !(await zk.diagnostics()).watches.children.includes(`${base}/witness`));
    await obs.create(`${base}/watched/a`);

    await expect.poll(() => seen.at(-1)).toEqual(['a']);
    expect((await zk.diagnostics()).watches.children).toEqual([`${base}/watched`]);
    stop?.();
    stop = undefined;
    await collectUntil(async () => (await watchCount(zk)) === 0);
    expect(await watchCount(zk)).toBe(0);
  });

  it('shares one watch between the views of a path, given back when the last one closes', async () => {
    const zk = await client();
    const obs = await observer();
    const path = root('shared-view');
    await obs.mkdirp(path);
    const one = await zk.children(path);
    const two = await zk.children(path);

    expect((await zk.diagnostics()).watches.children).toEqual([path]);
    one.close();
    expect((await zk.diagnostics()).watches.children).toEqual([path]);
    two.close();
    expect((await zk.diagnostics()).watches.children).toEqual([]);
  });

  it('lets a callback stop itself on its first call, through its second argument', async () => {
    const { logger, records } = capturingLogger('warn');
    const zk = await client({ logger });
    const obs = await observer();
    const path = root('stop-first');
    await obs.mkdirp(`${path}/a`);
    const kids = await zk.children(path);
    const seen: string[][] = [];
    const others: string[][] = [];

    kids.watch((view, stop) => {
      seen.push(view.toArray());
      if (view.has('a')) stop();
    });
    kids.watch((view) => others.push(view.toArray()));
    await obs.create(`${path}/b`);

    await expect.poll(() => others.at(-1)).toEqual(['a', 'b']);
    expect(seen).toEqual([['a']]);
    // Stopped, not removed for throwing (`stop` was there to call).
    expect(records.filter((r) => r.msg.includes('callback threw'))).toEqual([]);
  });

  it('walks a sorted snapshot of the names, the same order as toArray()', async () => {
    const zk = await client();
    const obs = await observer();
    const path = root('iterate');
    for (const name of ['c', 'a', 'b']) await obs.mkdirp(`${path}/${name}`);
    const kids = await zk.children(path);

    const walked: string[] = [];
    for (const name of kids) {
      walked.push(name);
      if (name === 'a') {
        // A change that reaches the view mid-loop.
        await obs.mkdirp(`${path}/0`);
        await expect.poll(() => kids.has('0')).toBe(true);
      }
    }

    expect(walked).toEqual(['a', 'b', 'c']);
    expect([...kids]).toEqual(['0', 'a', 'b', 'c']);
    expect([...kids]).toEqual(kids.toArray());
  });
});
