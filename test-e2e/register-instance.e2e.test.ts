import { expireSession } from '@zkit/client/internal';
import { startProxy, startZooKeeper, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { client, observer, root, zkConnect } from './support/harness.js';

/** Curator 5's keys, in the order it writes them (the format note). */
const CURATOR_KEYS = [
  'name',
  'id',
  'address',
  'port',
  'sslPort',
  'payload',
  'registrationTimeUTC',
  'serviceType',
  'uriSpec',
];

describe('registerInstance', () => {
  it("creates an ephemeral base/name/id holding Curator 5's JSON", async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('instance');

    const registration = await zk.registerInstance(base, 'orders', {
      id: 'i-1',
      address: '10.0.0.1',
      port: 8081,
      data: { zone: 'a' },
    });

    expect(registration.path).toBe(`${base}/orders/i-1`);
    const { data, stat } = await obs.getData(registration.path);
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    const json = JSON.parse(String(data));
    expect(Object.keys(json)).toEqual(CURATOR_KEYS);
    expect(String(data)).toBe(
      `{"name":"orders","id":"i-1","address":"10.0.0.1","port":8081,"sslPort":null,"payload":{"@class":"java.util.LinkedHashMap","zone":"a"},"registrationTimeUTC":${json.registrationTimeUTC},"serviceType":"DYNAMIC","uriSpec":null}`,
    );
    expect(Math.abs(json.registrationTimeUTC - Date.now())).toBeLessThan(60_000);
  });

  it('update() rewrites the payload, keeping the node and the rest of the instance', async () => {
    const zk = await client();
    const obs = await observer();
    const registration = await zk.registerInstance(root('instance-update'), 'orders', {
      port: 1,
      data: { v: 1 },
    });
    const before = JSON.parse(String((await obs.getData(registration.path)).data));

    await registration.update({ v: 2 });

    const after = JSON.parse(String((await obs.getData(registration.path)).data));
    expect(after).toEqual({ ...before, payload: { '@class': 'java.util.LinkedHashMap', v: 2 } });
    expect(registration.data).toEqual({ v: 2 });
  });

  it('puts the same bytes back after the session expires', async () => {
    const zk = await client();
    const obs = await observer();
    const registration = await zk.registerInstance(root('instance-expiry'), 'orders', {
      port: 1,
      data: { v: 1 },
    });
    const { data: before, stat } = await obs.getData(registration.path);

    await expireSession(zk);

    const restored = await waitFor(
      async () => {
        const node = await obs.exists(registration.path);
        return node !== null && node.ephemeralOwner !== stat.ephemeralOwner ? node : undefined;
      },
      { timeout: 20_000 },
    );
    expect(restored.ephemeralOwner).toBe(zk.sessionId);
    expect((await obs.getData(registration.path)).data).toEqual(before);
  });

  it('keeps its node through a reconnect: never deleted and re-created, unlike Curator', async () => {
    const server = zkConnect();
    const proxy = await startProxy(server.replace(/\/.*$/, ''));
    onTestFinished(() => proxy.close());
    const zk = await client({}, `${proxy.connectString}${/\/.*$/.exec(server)?.[0] ?? ''}`);
    const obs = await observer();
    const registration = await zk.registerInstance(root('instance-reconnect'), 'orders', { port: 1 });
    const before = await obs.exists(registration.path);

    proxy.dropConnections();

    await waitFor(() => proxy.accepted >= 2 && zk.state === 'connected', { timeout: 15_000 });
    await waitFor(async () => (await zk.diagnostics()).registrations.every((entry) => entry.present));
    expect((await obs.exists(registration.path))?.czxid).toBe(before?.czxid);
  });

  it('refuses bad options with typed errors', async () => {
    const zk = await client();
    const base = root('instance-bad');
    await expect(zk.registerInstance(base, 'orders', {})).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(zk.registerInstance(base, 'orders', { port: 0 })).rejects.toMatchObject({
      code: 'INVALID_ADDRESS',
    });
    await expect(zk.registerInstance(base, 'a/b', { port: 1 })).rejects.toMatchObject({
      code: 'INVALID_PATH',
    });
  });
});

describe('container parents', () => {
  let server: ZooKeeperHandle;
  beforeAll(async () => {
    // A server of its own that reaps emptied containers every 200 ms instead of every minute.
    server = await startZooKeeper({ servers: 1, provider: 'local', containerCheckInterval: 200 });
  });
  afterAll(() => server?.stop());

  it("makes an instance's missing parents containers: the server deletes them once the instance is gone", async () => {
    const zk = await client({}, server.connectionString);
    const obs = await observer(server.connectionString);
    const base = root('containers');

    const registration = await zk.registerInstance(`${base}/services`, 'orders', { port: 1 });
    expect(await obs.getChildren(`${base}/services/orders`)).toHaveLength(1);
    await registration.unregister();

    await waitFor(async () => (await obs.exists(`${base}/services/orders`)) === null, { timeout: 10_000 });
    await waitFor(async () => (await obs.exists(base)) === null, { timeout: 10_000 });
  });

  it("leaves registerServer's parents persistent", async () => {
    const zk = await client({}, server.connectionString);
    const obs = await observer(server.connectionString);
    const base = root('persistent-parents');
    const instance = await zk.registerInstance(base, 'probe', { port: 1 });
    const registration = await zk.registerServer(`${base}/servers`, ['127.0.0.1', 1]);

    await registration.unregister();
    await instance.unregister();

    // The instance's container goes; the server's parent, emptied just as long, stays.
    await waitFor(async () => (await obs.exists(`${base}/probe`)) === null, { timeout: 10_000 });
    expect(await obs.exists(`${base}/servers`)).not.toBeNull();
  });
});
