import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { client, observer, recorder, root } from './support/harness.js';

// children.e2e.test.ts runs every children behaviour in both modes; these are the incremental mode's own cases.
describe('children followed one change at a time (recursive watch)', () => {
  it('switches a node that grows past incrementalChildrenFrom, and keeps every change', async () => {
    const zk = await client({ incrementalChildrenFrom: 5 });
    const obs = await observer();
    const service = root('incremental-grows');
    await obs.mkdirp(service);
    for (const name of ['a', 'b', 'c']) await obs.create(`${service}/${name}`);
    const kids = await zk.children(service);
    const incremental = async () => (await zk.diagnostics()).watches.incremental;
    expect(await incremental()).toEqual([]);

    for (const name of ['d', 'e', 'f']) await obs.create(`${service}/${name}`);
    await waitFor(async () => (await incremental()).includes(service));
    await obs.remove(`${service}/a`);
    await obs.create(`${service}/g`);

    await waitFor(() => kids.size === 6 && kids.has('g'));
    expect(kids.toArray()).toEqual((await obs.getChildren(service)).sort());
  });

  it("never shows a registration missing while it is updated in place (one transaction's two events)", async () => {
    const zk = await client({ incrementalChildrenFrom: 0 });
    const service = root('incremental-update');
    const registration = await zk.registerServer(service, ['127.0.0.1', 8080], { data: { v: 0 } });
    const kids = await zk.children(service);
    const sizes = recorder<number>();
    kids.watch((view) => sizes.push(view.size));

    for (let v = 1; v <= 10; v++) await registration.update({ v });
    // A session hears notifications in zxid order: once a child created after the updates shows, every event of
    // theirs has been applied.
    await (await observer()).create(`${service}/marker`);
    await waitFor(() => kids.has('marker'), { message: 'the marker child' });

    expect(sizes.calls.slice(0, -1)).toEqual(sizes.calls.slice(0, -1).map(() => 1));
    expect(sizes.calls.at(-1)).toBe(2);
    expect(kids.toArray().sort()).toEqual(['127.0.0.1:8080', 'marker']);
  });

  it('ignores grandchildren and data changes, which its recursive watch hears too', async () => {
    const zk = await client({ incrementalChildrenFrom: 0 });
    const obs = await observer();
    const service = root('incremental-deep');
    await obs.mkdirp(`${service}/a/deeper`);
    const kids = await zk.children(service);
    const calls = recorder<string[]>();
    kids.watch((view) => calls.push(view.toArray()));

    await obs.create(`${service}/a/deeper/x`);
    await obs.setData(`${service}/a`, 'changed');
    await obs.remove(`${service}/a/deeper/x`);
    await obs.create(`${service}/b`);

    await waitFor(() => kids.has('b'));
    expect(calls.calls).toEqual([['a'], ['a', 'b']]);
  });

  it('follows a node and its child node at once: one server event reaches both views', async () => {
    const zk = await client({ incrementalChildrenFrom: 0 });
    const obs = await observer();
    const parent = root('incremental-nested');
    const child = `${parent}/inner`;
    await obs.mkdirp(`${child}/x`);
    const outer = await zk.children(parent);
    const inner = await zk.children(child);

    await obs.remove(`${child}/x`);
    await waitFor(() => inner.size === 0);
    await obs.remove(child);

    await waitFor(() => inner.deleted && !outer.has('inner'));
    expect(outer.deleted).toBe(false);
    expect(await zk.diagnostics()).toMatchObject({ watches: { incremental: [parent] } });
  });

  it('gives the watch back when the last view closes, and follows again when reopened', async () => {
    const zk = await client({ incrementalChildrenFrom: 0 });
    const obs = await observer();
    const service = root('incremental-reopen');
    await obs.mkdirp(service);
    const first = await zk.children(service);
    expect((await zk.diagnostics()).watches.incremental).toEqual([service]);

    first.close();
    expect((await zk.diagnostics()).watches.incremental).toEqual([]);
    await obs.create(`${service}/while-closed`);
    const again = await zk.children(service);
    expect(again.toArray()).toEqual(['while-closed']);
    await obs.create(`${service}/after`);

    await waitFor(() => again.has('after'));
    expect((await zk.diagnostics()).watches.incremental).toEqual([service]);
  });

  // ZooKeeper 3.6-3.8 keep one watch per path: a one-shot data watch set on a recursive root would replace it.
  it.each(['children first', 'properties first', 'both at once', 'properties while children load'])(
    'keeps a properties view of the same node live, and children too (%s)',
    async (order) => {
      const zk = await client({ incrementalChildrenFrom: 0 });
      const obs = await observer();
      const service = root('incremental-same-node');
      await obs.mkdirp(service);
      await obs.setData(service, '{"v":0}');
      const open = {
        'children first': async () => [await zk.children(service), await zk.properties(service)] as const,
        'properties first': async () => {
          const props = await zk.properties(service);
          return [await zk.children(service), props] as const;
        },
        'both at once': () => Promise.all([zk.children(service), zk.properties(service)]),
        // The properties call reaches the worker after the recursive watch was sent, before it is confirmed.
        'properties while children load': async () => {
          const loading = zk.children(service);
          await new Promise((resolve) => setTimeout(resolve, 0));
          const props = await zk.properties(service);
          return [await loading, props] as const;
        },
      }[order];
      if (!open) throw new Error(`no such order: ${order}`);
      const [kids, props] = await open();

      for (let v = 1; v <= 3; v++) {
        await obs.setData(service, JSON.stringify({ v }));
        await obs.create(`${service}/n${v}`);
        await waitFor(() => props.get('v') === v && kids.has(`n${v}`));
      }
      kids.close();
      await obs.setData(service, '{"v":4}');
      await waitFor(() => props.get('v') === 4);
      await obs.setData(service, '{"v":5}');
      await waitFor(() => props.get('v') === 5);
      expect((await zk.diagnostics()).watches.incremental).toEqual([]);
    },
  );
});
