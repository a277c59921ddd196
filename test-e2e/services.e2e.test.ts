import type { ConnectOptions, Instance, ServiceChange, Services } from '@zkit/client';
import { expireSession, workerThread } from '@zkit/client/internal';
import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { capturingLogger, client, observer, root } from './support/harness.js';

const SKIPPED = 'a child of a service is not a valid instance: it is left out of the view';

/** Each instance as `id → data`, for comparing a view with what the observer wrote. */
function dataById(view: Services): Record<string, unknown> {
  return Object.fromEntries(view.toArray().map((instance) => [instance.id, instance.data]));
}

/** Every change the view reports, as ids (and the new data of updated instances). */
function changesOf(view: Services) {
  const changes: { added: string[]; removed: string[]; updated: [string, unknown][] }[] = [];
  const ids = (instances: readonly Instance[]) => instances.map((instance) => instance.id);
  view.watch((_view, change: ServiceChange) =>
    changes.push({
      added: ids(change.added),
      removed: ids(change.removed),
      updated: change.updated.map((instance) => [instance.id, instance.data]),
    }),
  );
  return changes;
}

const json = (value: object) => JSON.stringify(value);

// Both ways the children list is followed: re-read after each one-shot watch, and one change at a time through a
// persistent recursive watch (ZooKeeper 3.6+). The children's data is followed the same way in both.
describe.each([
  { mode: 're-reading', incrementalChildrenFrom: Number.POSITIVE_INFINITY },
  { mode: 'incremental', incrementalChildrenFrom: 0 },
])('services, $mode', ({ incrementalChildrenFrom }) => {
  const open = (options: ConnectOptions = {}) => client({ incrementalChildrenFrom, ...options });

  it("lists each child with its data, then tells one instance's data change, additions and removals", async () => {
    const zk = await open();
    const obs = await observer();
    const service = `${root('services-basic')}/orders`;
    await obs.mkdirp(service);
    await obs.create(`${service}/10.0.0.1:8080`, json({ pid: 1, zone: 'a' }));
    await obs.create(`${service}/[::1]:8081`, json({ pid: 2 }));

    const view = await zk.services(service);

    expect(view.toArray()).toEqual([
      {
        id: '10.0.0.1:8080',
        name: 'orders',
        address: '10.0.0.1',
        port: 8080,
        sslPort: null,
        data: { pid: 1, zone: 'a' },
        enabled: true,
        uriSpec: null,
        registrationTime: null,
      },
      expect.objectContaining({ id: '[::1]:8081', address: '::1', port: 8081, data: { pid: 2 } }),
    ]);
    const changes = changesOf(view);
    expect(changes).toEqual([{ added: ['10.0.0.1:8080', '[::1]:8081'], removed: [], updated: [] }]);

    await obs.setData(`${service}/10.0.0.1:8080`, json({ pid: 1, zone: 'b' }));
    await waitFor(() => changes.length === 2);
    expect(changes[1]).toEqual({
      added: [],
      removed: [],
      updated: [['10.0.0.1:8080', { pid: 1, zone: 'b' }]],
    });
    expect(view.get('[::1]:8081')?.data).toEqual({ pid: 2 });

    // Waited for through the callbacks, not the view's state: a watcher hears a change just after the view holds it.
    const told = (kind: 'added' | 'removed', id: string) => () =>
      changes.slice(2).some((change) => change[kind].includes(id));
    await obs.create(`${service}/10.0.0.3:80`, json({ pid: 3 }));
    await waitFor(told('added', '10.0.0.3:80'));
    await obs.remove(`${service}/[::1]:8081`);
    await waitFor(told('removed', '[::1]:8081'));
    expect(view.get('[::1]:8081')).toBeUndefined();

    expect(dataById(view)).toEqual({ '10.0.0.1:8080': { pid: 1, zone: 'b' }, '10.0.0.3:80': { pid: 3 } });
    const later = changes.slice(2);
    expect(later.flatMap((change) => change.added)).toEqual(['10.0.0.3:80']);
    expect(later.flatMap((change) => change.removed)).toEqual(['[::1]:8081']);
    expect(later.flatMap((change) => change.updated)).toEqual([]);
  });

  it('skips a bad child without hiding the others, logs it once, and removes and restores a child gone bad', async () => {
    const { logger, records } = capturingLogger('info');
    const zk = await open({ logger });
    const obs = await observer();
    const service = root('services-bad');
    await obs.mkdirp(service);
    await obs.create(`${service}/10.0.0.1:1`, json({ pid: 1 }));
    await obs.create(`${service}/10.0.0.2:2`, 'not json');
    await obs.create(`${service}/pm2-0@host`, json({ pid: 3 }));

    const view = await zk.services(service);
    const changes = changesOf(view);

    expect(view.toArray().map((instance) => instance.id)).toEqual(['10.0.0.1:1']);
    const skipped = () => records.filter((record) => record.msg === SKIPPED).map((record) => record.child);
    expect(skipped().sort()).toEqual(['10.0.0.2:2', 'pm2-0@host']);

    // Still bad, differently written: not logged again.
    await obs.setData(`${service}/10.0.0.2:2`, 'still not json');
    // Good overwritten with bad data: removed, not kept stale.
    await obs.setData(`${service}/10.0.0.1:1`, json(['a list']));
    await waitFor(() => view.size === 0);
    expect(changes.at(-1)).toEqual({ added: [], removed: ['10.0.0.1:1'], updated: [] });

    // Repaired: back, as an addition.
    await obs.setData(`${service}/10.0.0.2:2`, json({ pid: 2 }));
    await waitFor(() => view.size === 1);
    expect(changes.at(-1)).toEqual({ added: ['10.0.0.2:2'], removed: [], updated: [] });
    expect(skipped().sort()).toEqual(['10.0.0.1:1', '10.0.0.2:2', 'pm2-0@host']);
  });
});

describe('services', () => {
  it('shows the registrations of registerServer as instances, with their pid', async () => {
    const zk = await client();
    const other = await client();
    const service = `${root('services-registered')}/api`;
    await zk.registerServer(service, ['127.0.0.1', 8080], { data: { weight: 2 } });

    const view = await other.services(service);
    await zk.registerServer(service, ['127.0.0.1', 8081]);
    await waitFor(() => view.size === 2);

    expect(view.get('127.0.0.1:8080')).toMatchObject({
      address: '127.0.0.1',
      port: 8080,
      data: { weight: 2, pid: process.pid },
      enabled: true,
    });
    expect(view.get('127.0.0.1:8081')?.data).toEqual({ pid: process.pid });
    await zk.close();
    await waitFor(() => view.size === 0);
  });

  it('rejects NO_NODE for a service node that does not exist', async () => {
    const zk = await client();
    await expect(zk.services(`${root('services-missing')}/nope`)).rejects.toMatchObject({ code: 'NO_NODE' });
  });

  it('re-converges after a session expiry', async () => {
    const zk = await client({ sessionTimeout: 10_000 });
    const obs = await observer();
    const service = root('services-expiry');
    await obs.mkdirp(service);
    await obs.create(`${service}/h:1`, json({ v: 1 }));
    await obs.create(`${service}/h:2`, json({ v: 1 }));
    const view = await zk.services(service);
    const session = zk.sessionId;

    await expireSession(zk);
    // Written while zkit's session is gone: its watches are gone with it.
    await obs.setData(`${service}/h:1`, json({ v: 2 }));
    await obs.remove(`${service}/h:2`);
    await obs.create(`${service}/h:3`, json({ v: 3 }));

    await waitFor(() => zk.sessionId !== session && zk.state === 'connected', { message: 'a new session' });
    await waitFor(() => view.size === 2 && view.get('h:1')?.data.v === 2, {
      message: 'the view to converge',
    });
    expect(dataById(view)).toEqual({ 'h:1': { v: 2 }, 'h:3': { v: 3 } });

    // And it is live again: a change made in the new session arrives.
    await obs.setData(`${service}/h:3`, json({ v: 4 }));
    await waitFor(() => view.get('h:3')?.data.v === 4);
  });

  it('re-converges after the worker crashed', async () => {
    const zk = await client({ sessionTimeout: 10_000 });
    const obs = await observer();
    const service = root('services-crash');
    await obs.mkdirp(service);
    await obs.create(`${service}/h:1`, json({ v: 1 }));
    await obs.create(`${service}/h:2`, json({ v: 1 }));
    const view = await zk.services(service);
    const changes = changesOf(view);

    await workerThread(zk)?.terminate();
    await obs.setData(`${service}/h:1`, json({ v: 2 }));
    await obs.remove(`${service}/h:2`);
    await obs.create(`${service}/h:3`, json({ v: 3 }));

    await waitFor(() => view.size === 2 && view.get('h:1')?.data.v === 2, {
      message: 'the view to converge',
    });
    expect(dataById(view)).toEqual({ 'h:1': { v: 2 }, 'h:3': { v: 3 } });
    expect(changes.flatMap((change) => change.removed)).toEqual(['h:2']);

    await obs.setData(`${service}/h:3`, json({ v: 4 }));
    await waitFor(() => view.get('h:3')?.data.v === 4);
  });

  it('gives every watch back when closed; a second view of the path keeps them until it closes', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('services-close');
    await obs.mkdirp(service);
    await obs.create(`${service}/h:1`, json({}));
    await obs.create(`${service}/h:2`, json({}));
    const held = async () => {
      const { watches } = await zk.diagnostics();
      return [...watches.children, ...watches.data, ...watches.incremental]
        .filter((path) => path.startsWith(service))
        .sort();
    };

    const one = await zk.services(service);
    const two = await zk.services(service);
    expect(await held()).toEqual([service, `${service}/h:1`, `${service}/h:2`]);

    one.close();
    expect(await held()).toEqual([service, `${service}/h:1`, `${service}/h:2`]);
    two.close();
    await waitFor(async () => (await held()).length === 0, { message: 'the watches to be given back' });
  });

  it('ends changes() with every instance removed when the service node is deleted', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('services-deleted');
    await obs.mkdirp(service);
    await obs.create(`${service}/h:1`, json({}));
    const view = await zk.services(service);
    const seen: ServiceChange[] = [];
    const loop = (async () => {
      for await (const change of view.changes()) seen.push(change);
    })();
    await waitFor(() => seen.length === 1);

    await obs.removeRecursive(service);
    await loop;

    expect(view.deleted).toBe(true);
    expect(view.size).toBe(0);
    expect(seen.flatMap((change) => change.removed).map((instance) => instance.id)).toEqual(['h:1']);
  });
});
