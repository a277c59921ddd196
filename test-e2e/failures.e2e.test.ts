import { AuthError, connect, type SessionState, type ZkFailure, type ZooKeeper } from '@zkit/client';
import { expireSession } from '@zkit/client/internal';
import { startZooKeeper, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import zookeeper from 'node-zookeeper-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { capturingLogger, client, observer, root, zkConnect } from './support/harness.js';

/** A plain session authenticated as `admin`, to change ACLs under zkit's feet. */
async function admin(connectionString = zkConnect()) {
  const raw = zookeeper.createClient(connectionString);
  raw.addAuthInfo('digest', Buffer.from('admin:admin-pw'));
  const connected = new Promise<void>((resolve) => raw.once('connected', () => resolve()));
  raw.connect();
  await connected;
  onTestFinished(() => raw.close());
  const done =
    (resolve: () => void, reject: (error: unknown) => void) =>
    (error: unknown): void =>
      error ? reject(error) : resolve();
  const anyone = (perms: number) => [new zookeeper.ACL(perms, new zookeeper.Id('world', 'anyone'))];
  const adminOnly = [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('auth', ''))];
  return {
    /** Only this admin may read or change the node. */
    lockOut: (path: string) =>
      new Promise<void>((resolve, reject) => raw.setACL(path, adminOnly, -1, done(resolve, reject))),
    /** Everyone may do `perms` (zookeeper.Permission bits) on the node. */
    allow: (path: string, perms = zookeeper.Permission.ALL) =>
      new Promise<void>((resolve, reject) => raw.setACL(path, anyone(perms), -1, done(resolve, reject))),
    setData: (path: string, json: string) =>
      new Promise<void>((resolve, reject) => raw.setData(path, Buffer.from(json), -1, done(resolve, reject))),
  };
}

describe('failures that happen later reach onFailure', () => {
  it('ends a view whose node became unreadable with a typed error, and reports it; it can be opened afresh', async () => {
    const zk = await client();
    const obs = await observer();
    const boss = await admin();
    const path = root('ended-view');
    await obs.create(path, '{"threads":1}');
    const failures: ZkFailure[] = [];
    zk.onFailure((failure) => failures.push(failure));
    const view = await zk.properties(path);
    const seen: unknown[] = [];
    view.watch((v) => seen.push(v.toJSON()));
    const loop = (async () => {
      for await (const _ of view.changes());
      return 'ended';
    })();

    // An ACL change fires no watch, and ZooKeeper 3.8 does not notify a watcher that may no longer read the node;
    // after a new session the worker reads every watched node again, and that read is refused.
    await boss.lockOut(path);
    await boss.setData(path, '{"threads":2}');
    await expireSession(zk);

    await expect.poll(() => view.error?.code, { timeout: 20_000 }).toBe('NO_AUTH');
    expect(await loop).toBe('ended');
    expect(view.deleted).toBe(false);
    expect(view.toJSON()).toEqual({ threads: 1 });
    expect(seen).toEqual([{ threads: 1 }, { threads: 1 }]);
    expect(failures).toContainEqual({ kind: 'watch', path, error: view.error });

    await boss.allow(path);
    const fresh = await zk.properties(path);
    expect(fresh.error).toBeUndefined();
    expect(fresh.toJSON()).toEqual({ threads: 2 });
  });

  it('reports a registration that cannot be restored after a new session, and carries on', async () => {
    const { logger, records } = capturingLogger('error');
    const zk = await client({ logger });
    const boss = await admin();
    const service = root('unrestorable');
    const registration = await zk.registerServer(service, ['127.0.0.1', 1]);
    const failures: ZkFailure[] = [];
    zk.onFailure(() => {
      throw new Error('a listener that throws');
    });
    zk.onFailure((failure) => failures.push(failure));
    // The parent no longer lets anyone create: the registration cannot come back after the expiry.
    await boss.allow(service, zookeeper.Permission.READ);

    await expireSession(zk);

    await expect
      .poll(() => failures.find((f) => f.kind === 'registration'), { timeout: 20_000 })
      .toMatchObject({ kind: 'registration', path: registration.path, error: { code: 'NO_AUTH' } });
    expect(records.some((r) => r.msg === 'failure listener threw')).toBe(true);
    await expect(zk.getChildren(service)).resolves.toEqual([]);
  });
});

describe('registrations and close()', () => {
  it('resolves an unregister() racing close(), and disposing after close(): the node went with the session', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('unregister-close');
    const racing = await zk.registerServer(service, ['127.0.0.1', 1]);
    const later = await zk.registerServer(service, ['127.0.0.1', 2]);

    await Promise.all([expect(racing.unregister()).resolves.toBeUndefined(), zk.close()]);
    await expect(later[Symbol.asyncDispose]()).resolves.toBeUndefined();

    await waitFor(async () => (await obs.getChildren(service)).length === 0, { timeout: 5000 });
  });
});

describe('authentication failures', () => {
  it('refuses a malformed auth entry before anything starts (INVALID_OPTION)', async () => {
    const silent = pino({ level: 'silent' });
    for (const auth of [
      { scheme: 'Digest', credentials: 'alice:pw' },
      { scheme: 'digest', credentials: 'no-colon' },
    ]) {
      await expect(connect(zkConnect(), { auth: [auth], logger: silent })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
    }
  });

  it('rejects connect() with AUTH_FAILED when ZooKeeper refuses the credentials', async () => {
    const attempt = connect(zkConnect(), {
      auth: [{ scheme: 'nosuchscheme', credentials: 'x' }],
      logger: pino({ level: 'silent' }),
      connectTimeout: 20_000,
    });

    await expect(attempt).rejects.toBeInstanceOf(AuthError);
    await expect(attempt).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('calls given up, and calls refused, while ZooKeeper is unreachable', () => {
  let server: ZooKeeperHandle;
  beforeAll(async () => {
    server = await startZooKeeper({ servers: 1, provider: 'local' });
  });
  afterAll(() => server?.stop());

  /** A client of this file's own server, whose state changes are recorded. */
  async function ownClient(options: Parameters<typeof client>[0] = {}) {
    const zk = await client({ sessionTimeout: 20_000, ...options }, server.connectionString);
    const states: SessionState[] = [];
    zk.onState((state) => states.push(state));
    return { zk, states };
  }

  async function outage(zk: ZooKeeper): Promise<void> {
    await server.kill(0);
    onTestFinished(async () => {
      if (!server.servers[0]?.running) await server.restart(0);
    });
    await waitFor(() => zk.state === 'disconnected', { timeout: 20_000 });
  }

  it('rejects every waiting call ABORTED at once when its signal fires, and none of them happens later', async () => {
    const { zk } = await ownClient();
    const base = root('abort-outage');
    await zk.ensure(`${base}/config`, { v: 1 });
    await zk.ensure(`${base}/keep`);
    const config = await zk.properties(`${base}/config`);
    await outage(zk);

    const controller = new AbortController();
    const { signal } = controller;
    const calls = [
      zk.registerServer(`${base}/servers`, ['127.0.0.1', 1], { signal }),
      zk.ensure(`${base}/created`, {}, { signal }),
      config.update({ v: 2 }, { signal }),
      zk.delete(`${base}/keep`, { signal }),
      zk.children(`${base}/config`, { signal }),
      zk.get(`${base}/config`, { signal }),
    ];
    controller.abort();

    for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'ABORTED' });
    // At once: ZooKeeper is still down.
    expect(zk.state).toBe('disconnected');

    await server.restart(0);
    await waitFor(() => zk.state === 'connected', { timeout: 30_000 });
    // Sent after the reconnect, so ZooKeeper answers it after anything the worker still had queued.
    await zk.ensure(`${base}/marker`);
    const obs = await observer(server.connectionString);
    expect(await obs.exists(`${base}/servers/127.0.0.1:1`)).toBeNull();
    expect(await obs.exists(`${base}/created`)).toBeNull();
    expect(await obs.exists(`${base}/keep`)).not.toBeNull();
    expect(JSON.parse(String((await obs.getData(`${base}/config`)).data))).toEqual({ v: 1 });
    expect((await zk.diagnostics()).registrations).toEqual([]);
    // The path given up on can be registered afresh.
    await expect(zk.registerServer(`${base}/servers`, ['127.0.0.1', 1])).resolves.toBeDefined();
  });

  it("rejects calls NOT_CONNECTED at once with offlineCalls: 'reject', while views still read", async () => {
    const { zk } = await ownClient({ offlineCalls: 'reject' });
    const base = root('offline-reject');
    await zk.ensure(`${base}/a`);
    const kids = await zk.children(base);
    await outage(zk);

    for (const call of [
      zk.get(base),
      zk.ensure(`${base}/b`),
      zk.registerServer(base, ['127.0.0.1', 1]),
      zk.children(`${base}/a`),
    ]) {
      await expect(call).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    }
    expect(kids.toArray()).toEqual(['a']);

    await server.restart(0);
    await waitFor(() => zk.state === 'connected', { timeout: 30_000 });
    await expect(zk.ensure(`${base}/b`)).resolves.toBe(true);
  });

  it('rejects connect() ABORTED at once when its signal fires while ZooKeeper is unreachable', async () => {
    await server.kill(0);
    onTestFinished(() => server.restart(0));
    const controller = new AbortController();
    const attempt = connect(server.connectionString, {
      signal: controller.signal,
      logger: pino({ level: 'silent' }),
      connectTimeout: 60_000,
    });

    controller.abort();

    await expect(attempt).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(
      connect(server.connectionString, { signal: AbortSignal.abort(), logger: pino({ level: 'silent' }) }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
