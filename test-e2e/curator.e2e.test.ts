import { waitFor } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CuratorProbe, compileProbe, curatorMissing, startProbe } from './curator/probe.js';
import { client, observer, root, zkConnect } from './support/harness.js';

// Apache Curator 5's x-discovery (Debian's libcurator-discovery-java) on one side, zkit on the other, one
// ZooKeeper between them. Skipped, with the reason in its name, where there is no JDK or no Curator jars.
const missing = curatorMissing();

describe.skipIf(missing !== undefined)(`Curator interop${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let compiled: Awaited<ReturnType<typeof compileProbe>> | undefined;
  let curator: CuratorProbe;

  beforeAll(async () => {
    compiled = await compileProbe();
    curator = await startProbe(compiled.dir, zkConnect());
  }, 90_000);
  afterAll(async () => {
    await curator?.[Symbol.asyncDispose]();
    compiled?.dispose();
  });

  it("zkit sees Curator's instances with their payloads, and their removal", {
    timeout: 60_000,
  }, async () => {
    const zk = await client();
    const base = root('curator-to-zkit');
    await curator.send({
      cmd: 'register',
      base,
      name: 'echo',
      id: 'c-1',
      address: '10.0.0.1',
      port: 8081,
      payload: { zone: 'a', weight: 1, tags: ['x'] },
    });
    await curator.send({
      cmd: 'register',
      base,
      name: 'echo',
      id: 'c-2',
      address: '10.0.0.2',
      port: 8082,
      payload: { zone: 'b' },
    });

    using services = await zk.services(`${base}/echo`, { format: 'curator' });

    expect(services.toArray()).toEqual([
      {
        id: 'c-1',
        name: 'echo',
        address: '10.0.0.1',
        port: 8081,
        sslPort: null,
        data: { zone: 'a', weight: 1, tags: ['x'] },
        enabled: true,
        uriSpec: null,
        registrationTime: expect.any(Number),
      },
      expect.objectContaining({ id: 'c-2', address: '10.0.0.2', port: 8082, data: { zone: 'b' } }),
    ]);
    const removed: string[] = [];
    services.watch((_view, change) => removed.push(...change.removed.map((instance) => instance.id)));

    await curator.send({ cmd: 'unregister', base, name: 'echo', id: 'c-1' });

    await waitFor(() => removed.includes('c-1'));
    expect(services.toArray().map((instance) => instance.id)).toEqual(['c-2']);
  });

  it("Curator lists, picks and watches zkit's registerInstance, and sees it go", {
    timeout: 60_000,
  }, async () => {
    const zk = await client();
    const base = root('zkit-to-curator');
    // A ServiceCache started before any instance exists (Curator creates base/orders as containers for it).
    const watched = await curator.send({ cmd: 'watch', watch: base, base, name: 'orders' });
    expect(watched.instances).toEqual([]);

    const first = await zk.registerInstance(base, 'orders', {
      id: 'z-1',
      address: '10.0.0.1',
      port: 8081,
      data: { zone: 'a' },
      uriSpec: '{scheme}://{address}:{port}/api',
    });
    await zk.registerInstance(base, 'orders', { id: 'z-2', address: '10.0.0.2', port: 8082, sslPort: 8443 });

    const listed = (await curator.send({ cmd: 'list', base, name: 'orders' })).instances;
    expect(listed).toEqual([
      {
        id: 'z-1',
        name: 'orders',
        address: '10.0.0.1',
        port: 8081,
        sslPort: null,
        payload: { zone: 'a' },
        payloadClass: 'java.util.LinkedHashMap',
        uri: 'http://10.0.0.1:8081/api',
        enabled: true,
      },
      expect.objectContaining({ id: 'z-2', sslPort: 8443, payload: null }),
    ]);
    await curator.cacheEvent(base, (event) => event.instances.length === 2);

    const picked = (
      await curator.send({ cmd: 'pick', base, name: 'orders', strategy: 'round-robin', count: 4 })
    ).ids as string[];
    expect([...picked].sort()).toEqual(['z-1', 'z-1', 'z-2', 'z-2']);
    expect(picked[0]).not.toBe(picked[1]);

    const mark = curator.events.length;
    await first.update({ zone: 'b' });
    const updated = await curator.cacheEvent(
      base,
      (event) => event.instances.some((instance) => instance.id === 'z-1' && instance.payload?.zone === 'b'),
      mark,
    );
    expect(updated.instances.map((instance) => instance.id)).toEqual(['z-1', 'z-2']);

    await first.unregister();

    await curator.cacheEvent(
      base,
      (event) => event.instances.map((instance) => instance.id).join() === 'z-2',
    );
    const after = (await curator.send({ cmd: 'list', base, name: 'orders' })).instances as { id: string }[];
    expect(after.map((instance) => instance.id)).toEqual(['z-2']);
  });

  it('zkit skips bad children without hiding the others (where Curator fails the whole list)', {
    timeout: 60_000,
  }, async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('curator-bad');
    const service = `${base}/echo`;
    await curator.send({
      cmd: 'register',
      base,
      name: 'echo',
      id: 'c-1',
      address: '10.0.0.1',
      port: 8081,
      payload: { zone: 'a' },
    });
    await obs.create(`${service}/not-json`, 'HOST:1');
    await obs.create(`${service}/no-port`, '{"name":"echo","id":"no-port","address":"10.0.0.9"}');
    await obs.create(`${service}/good`, '{"name":"echo","id":"good","address":"10.0.0.3","port":8083}');

    await expect(curator.send({ cmd: 'list', base, name: 'echo' })).rejects.toThrow(/Curator/);
    using services = await zk.services(service, { format: 'curator' });

    expect(services.toArray().map((instance) => instance.id)).toEqual(['c-1', 'good']);

    // A good instance overwritten with bad data goes, rather than staying stale as in Curator's ServiceCache.
    await obs.setData(`${service}/good`, '{"name":"echo","id":"good","address":"10.0.0.3","port":"http"}');
    await waitFor(() => services.get('good') === undefined);
    expect(services.toArray().map((instance) => instance.id)).toEqual(['c-1']);
  });
});
