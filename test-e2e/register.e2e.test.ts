import { NodeError, ZkError } from '@zkit/client';
import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { client, observer, root } from './support/harness.js';

describe('registerServer', () => {
  it('creates an ephemeral, world read-only node HOST:PORT holding the data and the pid', async () => {
    const zk = await client();
    const obs = await observer();
    const service = `${root('register')}/servers`;

    const registration = await zk.registerServer(service, ['192.168.0.42', 8080], {
      data: { role: 'primary' },
    });

    expect(registration.path).toBe(`${service}/192.168.0.42:8080`);
    const { data, stat } = await obs.getData(registration.path);
    expect(data?.toString()).toBe(`{"role":"primary","pid":${process.pid}}`);
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect(await obs.getAcl(registration.path)).toEqual([{ perms: 1, scheme: 'world', id: 'anyone' }]);
  });

  it("takes 'host:port' strings and always writes the real pid", async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('register-string');

    const registration = await zk.registerServer(service, '10.0.0.1:9000', { data: { pid: 1 } });

    expect(JSON.parse(String((await obs.getData(`${service}/10.0.0.1:9000`)).data))).toEqual({
      pid: process.pid,
    });
    expect(registration.data).toEqual({ pid: process.pid });
  });

  it('creates missing parents and registers several addresses under one service', async () => {
    const zk = await client();
    const obs = await observer();
    const service = `${root('register-many')}/deep/servers`;

    await zk.registerServer(service, ['192.168.0.42', 8080]);
    await zk.registerServer(service, ['192.168.0.42', 8081]);

    expect(await obs.getChildren(service)).toEqual(['192.168.0.42:8080', '192.168.0.42:8081']);
  });

  it('unregister() deletes the node at once, and is idempotent', async () => {
    const zk = await client();
    const obs = await observer();
    const registration = await zk.registerServer(root('unregister'), ['127.0.0.1', 1234]);

    await registration.unregister();
    await registration.unregister();

    expect(await obs.exists(registration.path)).toBeNull();
  });

  it('refuses a second registration of the same address with NODE_EXISTS', async () => {
    const zk = await client();
    const service = root('register-twice');
    await zk.registerServer(service, ['127.0.0.1', 1234]);

    const again = zk.registerServer(service, ['127.0.0.1', 1234]);

    await expect(again).rejects.toBeInstanceOf(NodeError);
    await expect(again).rejects.toMatchObject({ code: 'NODE_EXISTS' });
  });

  it('never takes over an address another live session holds, and leaves that node alone', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('register-foreign');
    await obs.mkdirp(service);
    await obs.create(`${service}/127.0.0.1:1234`, '{"pid":1}', { ephemeral: true });

    const attempt = zk.registerServer(service, ['127.0.0.1', 1234]);

    await expect(attempt).rejects.toMatchObject({ code: 'NODE_EXISTS' });
    const { stat } = await obs.getData(`${service}/127.0.0.1:1234`);
    expect(stat.ephemeralOwner).toBe(obs.sessionId);
  });

  it("leaves alone a node another session put in place of this session's own, on unregister and update", async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('register-replaced');
    const registration = await zk.registerServer(service, ['127.0.0.1', 1235], { data: { v: 0 } });
    // Someone deleted our node (the parent's ACL lets anyone) and another process took the address.
    await obs.remove(registration.path);
    await obs.create(registration.path, '{"pid":1}', { ephemeral: true });

    await registration.update({ v: 1 });
    await registration.unregister();

    const { data, stat } = await obs.getData(registration.path);
    expect(stat.ephemeralOwner).toBe(obs.sessionId);
    expect(JSON.parse(String(data))).toEqual({ pid: 1 });
  });

  it('close() ends the session so every registration disappears at once, not after the session timeout', async () => {
    const zk = await client({ sessionTimeout: 20_000 });
    const obs = await observer();
    const service = root('register-close');
    await zk.registerServer(service, ['127.0.0.1', 1]);
    await zk.registerServer(service, ['127.0.0.1', 2]);

    await zk.close();

    // Well inside the 20 s session timeout: only an explicit session close removes them this soon.
    await waitFor(async () => (await obs.getChildren(service)).length === 0, { timeout: 2000 });
    await expect(zk.registerServer(service, ['127.0.0.1', 3])).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('rejects a registration the server refuses with a coded ZkError, and the client carries on', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('register-noauth');
    await obs.create(service, '', { acl: [{ perms: 1, scheme: 'world', id: 'anyone' }] });

    const attempt = zk.registerServer(service, ['127.0.0.1', 1]);

    await expect(attempt).rejects.toBeInstanceOf(ZkError);
    await expect(attempt).rejects.toMatchObject({ code: 'NO_AUTH' });
    await expect(zk.registerServer(`${service}-ok`, ['127.0.0.1', 1])).resolves.toBeDefined();
  });

  it('registers on behalf of another process with its pid', async () => {
    const zk = await client();
    const obs = await observer();

    const registration = await zk.registerServer(root('register-pid'), ['127.0.0.1', 1], {
      data: { app: 'x' },
      pid: 4242,
    });

    expect(JSON.parse(String((await obs.getData(registration.path)).data))).toEqual({ app: 'x', pid: 4242 });
  });

  it('registers a process without an address under a name that is one path segment', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('register-process');

    const registration = await zk.registerProcess(service, 'pm2-3@10.0.0.5', { data: { name: 'worker' } });

    expect(registration.path).toBe(`${service}/pm2-3@10.0.0.5`);
    const stat = await obs.exists(registration.path);
    expect(stat?.ephemeralOwner).toBe(zk.sessionId);
    await expect(zk.registerProcess(service, 'a/b')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(zk.registerProcess(service, '..')).rejects.toMatchObject({ code: 'INVALID_PATH' });
  });

  it('update() replaces the data in one transaction: watchers never see the node missing', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('register-update');
    const registration = await zk.registerServer(service, ['127.0.0.1', 1], { data: { v: 1 } });
    const kids = await zk.children(service);
    const sizes: number[] = [];
    kids.watch((view) => sizes.push(view.size));

    await registration.update({ v: 2 });

    expect(registration.data).toEqual({ v: 2, pid: process.pid });
    const { data, stat } = await obs.getData(registration.path);
    expect(JSON.parse(String(data))).toEqual({ v: 2, pid: process.pid });
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect(await obs.getAcl(registration.path)).toEqual([{ perms: 1, scheme: 'world', id: 'anyone' }]);
    expect(sizes.every((size) => size === 1)).toBe(true);
  });

  it('update() can set a new pid, and keeps a properties view of the node itself alive', async () => {
    const zk = await client();
    const registration = await zk.registerServer(root('register-update-pid'), ['127.0.0.1', 1], { pid: 100 });
    const props = await zk.properties(registration.path);

    await registration.update({ v: 1 });
    expect(registration.data).toEqual({ v: 1, pid: 100 });
    await registration.update({ v: 2 }, { pid: 200 });
    expect(registration.data).toEqual({ v: 2, pid: 200 });
    await registration.update({ v: 3 });

    expect(registration.data).toEqual({ v: 3, pid: 200 });
    await waitFor(() => props.get('v') === 3);
    expect(props.deleted).toBe(false);
  });

  it('lets a failed unregister() be tried again; after close() it resolves (the node went with the session)', async () => {
    const zk = await client();
    const registration = await zk.registerServer(root('register-retry'), ['127.0.0.1', 1]);
    await expect(registration.unregister({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    await zk.close();

    await expect(registration.unregister()).resolves.toBeUndefined();
    await expect(registration[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });
});
