import { type Children, type ConnectOptions, NodeError } from '@zkit/client';
import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { capturingLogger, client as connectClient, observer, recorder, root } from './support/harness.js';

// Every behaviour holds both ways a view follows children: re-reading the names after each one-shot watch, and
// one change at a time through a persistent recursive watch (ZooKeeper 3.6+).
describe.each([
  { mode: 're-reading', incrementalChildrenFrom: Number.POSITIVE_INFINITY },
  { mode: 'incremental', incrementalChildrenFrom: 0 },
])('children, $mode', ({ incrementalChildrenFrom }) => {
  const client = (options: ConnectOptions = {}) => connectClient({ incrementalChildrenFrom, ...options });
  it("follows zc.zk's README: a live iterable, and callbacks at once and on every change", async () => {
    const zk = await client();
    const service = `${root('children-readme')}/fooservice/servers`;
    await zk.registerServer(service, ['192.168.0.42', 8080]);

    const addresses = await zk.children(service);
    expect([...addresses].sort()).toEqual(['192.168.0.42:8080']);

    await zk.registerServer(service, ['192.168.0.42', 8081]);
    // Read-your-writes: the view already shows this client's own registration.
    expect([...addresses].sort()).toEqual(['192.168.0.42:8080', '192.168.0.42:8081']);

    const seen = recorder<string[]>();
    addresses.watch((view) => seen.push(view.toArray()));
    expect(seen.calls).toEqual([['192.168.0.42:8080', '192.168.0.42:8081']]);

    await zk.registerServer(service, ['192.168.0.42', 8082]);
    expect(seen.last()).toEqual(['192.168.0.42:8080', '192.168.0.42:8081', '192.168.0.42:8082']);
  });

  it("sees other sessions' changes, and has size and has()", async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('children-others');
    await obs.mkdirp(service);
    const kids = await zk.children(service);
    expect(kids.size).toBe(0);

    await obs.create(`${service}/a`);
    await obs.create(`${service}/b`);
    await waitFor(() => kids.size === 2);
    expect(kids.has('a') && kids.has('b')).toBe(true);

    await obs.remove(`${service}/a`);
    await waitFor(() => !kids.has('a'));
    expect(kids.toArray()).toEqual(['b']);
  });

  it('rejects a view of a node that does not exist with NO_NODE', async () => {
    const zk = await client();

    const view = zk.children(`${root('children-missing')}/nope`);

    await expect(view).rejects.toBeInstanceOf(NodeError);
    await expect(view).rejects.toMatchObject({ code: 'NO_NODE' });
  });

  it('empties the view, marks it deleted and calls back once more when the node is deleted', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('children-deleted');
    await obs.mkdirp(`${service}/x`);
    const kids = await zk.children(service);
    const seen = recorder<{ names: string[]; deleted: boolean }>();
    kids.watch((view) => seen.push({ names: view.toArray(), deleted: view.deleted }));

    await obs.removeRecursive(service);

    await waitFor(() => kids.deleted);
    expect(kids.size).toBe(0);
    // ZooKeeper may coalesce the child's removal into the deletion: the states between are not promised.
    expect(seen.calls[0]).toEqual({ names: ['x'], deleted: false });
    expect(seen.last()).toEqual({ names: [], deleted: true });
    expect(seen.calls.filter((call) => call.deleted)).toHaveLength(1);
  });

  it('logs and removes a callback that throws; the others and the session carry on', async () => {
    const { logger, records } = capturingLogger();
    const zk = await client({ logger });
    const service = root('children-throws');
    await zk.ensure(service);
    const kids = await zk.children(service);
    let bad = 0;
    const good = recorder<string[]>();
    kids.watch(() => {
      bad++;
      throw new Error('boom');
    });
    kids.watch((view) => good.push(view.toArray()));

    await zk.registerServer(service, ['127.0.0.1', 1]);
    await zk.registerServer(service, ['127.0.0.1', 2]);

    expect(bad).toBe(1);
    expect(good.calls).toEqual([[], ['127.0.0.1:1'], ['127.0.0.1:1', '127.0.0.1:2']]);
    expect(
      records.some((r) => r.name === 'ZooKeeper' && r.level === 50 && /callback threw/.test(r.msg)),
    ).toBe(true);
  });

  it('stop() ends one callback; a callback may stop itself while being called', async () => {
    const zk = await client();
    const service = root('children-stop');
    await zk.ensure(service);
    const kids = await zk.children(service);
    const once = recorder<number>();
    const stopSelf: { stop?: () => void } = {};
    stopSelf.stop = kids.watch((view) => {
      once.push(view.size);
      if (view.size > 0) stopSelf.stop?.();
    });
    const other = recorder<number>();
    const stopOther = kids.watch((view) => other.push(view.size));

    await zk.registerServer(service, ['127.0.0.1', 1]);
    stopOther();
    await zk.registerServer(service, ['127.0.0.1', 2]);

    expect(once.calls).toEqual([0, 1]);
    expect(other.calls).toEqual([0, 1]);
  });

  it('shares one ZooKeeper watch among many views of a path, and drops it when the last view closes', async () => {
    const zk = await client();
    const service = root('children-shared');
    await zk.ensure(service);
    const watched = async () => (await zk.diagnostics()).watches.children.filter((path) => path === service);

    const views: Children[] = await Promise.all([zk.children(service), zk.children(service)]);
    views.push(await zk.children(service));

    expect(await watched()).toEqual([service]);
    views[0]?.close();
    views[1]?.close();
    await zk.registerServer(service, ['127.0.0.1', 1]);
    expect(views[2]?.toArray()).toEqual(['127.0.0.1:1']);
    expect(await watched()).toEqual([service]);
    views[2]?.close();
    expect(await watched()).toEqual([]);
    const again = await zk.children(service);
    expect(again.toArray()).toEqual(['127.0.0.1:1']);
  });

  it('iterates changes with for await, ending after the node is deleted', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('children-iterate');
    await obs.mkdirp(service);
    const kids = await zk.children(service);
    const seen: string[][] = [];

    const loop = (async () => {
      for await (const view of kids.changes()) seen.push(view.deleted ? ['<deleted>'] : view.toArray());
    })();
    await waitFor(() => seen.length === 1);
    await obs.create(`${service}/a`);
    await waitFor(() => seen.at(-1)?.includes('a'));
    await obs.removeRecursive(service);

    await loop;
    expect(seen[0]).toEqual([]);
    expect(seen.at(-1)).toEqual(['<deleted>']);
  });

  it('ends an iteration when the loop breaks or the view closes', async () => {
    const zk = await client();
    const service = root('children-iterate-end');
    await zk.ensure(service);
    const kids = await zk.children(service);

    for await (const view of kids.changes()) {
      expect(view.size).toBe(0);
      break;
    }
    const iterator = kids.changes();
    expect((await iterator.next()).done).toBe(false);
    const waiting = iterator.next();
    kids.close();
    expect((await waiting).done).toBe(true);
  });

  it('supports `using` for views and subscriptions', async () => {
    const zk = await client();
    const service = root('children-using');
    await zk.ensure(service);
    const calls = recorder<number>();
    {
      using kids = await zk.children(service);
      using _subscription = kids.watch((view) => calls.push(view.size));
    }
    await zk.registerServer(service, ['127.0.0.1', 1]);
    expect(calls.calls).toEqual([0]);
  });
});
