import { inspect } from 'node:util';
import { type AclEntry, AuthError, type ConnectOptions, type SessionState } from '@zkit/client';
import { expireSession, workerThread } from '@zkit/client/internal';
import { fourLetterWord, startProxy, startZooKeeper, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { capturingLogger, client, observer, root } from './support/harness.js';

/** The server's SASL users (DIGEST-MD5, ZooKeeper's DigestLoginModule). */
const USERS = { alice: 'alice-pw-7f3e', bob: 'bob-pw-91c2' };
const ALICE_ONLY: readonly AclEntry[] = [
  { scheme: 'sasl', id: 'alice', perms: ['read', 'write', 'create', 'delete', 'admin'] },
];

let server: ZooKeeperHandle;

beforeAll(async () => {
  server = await startZooKeeper({ servers: 1, provider: 'local', sasl: { users: USERS } });
});

afterAll(() => server?.stop());

/** A zkit client logged in as alice whose nodes (registrations, parents) only alice may use. */
function alice(options: ConnectOptions = {}, connectionString = server.connectionString) {
  return client(
    {
      sasl: { username: 'alice', password: USERS.alice },
      registrationAcl: ALICE_ONLY,
      parentAcl: ALICE_ONLY,
      ...options,
    },
    connectionString,
  );
}

function states(zk: { onState(listener: (state: SessionState) => void): unknown }): SessionState[] {
  const seen: SessionState[] = [];
  zk.onState((state) => seen.push(state));
  return seen;
}

/** Sessions the server holds, live or waiting out their timeout after their connection closed (mntr). */
async function globalSessions(address: string): Promise<number> {
  const line = (await fourLetterWord(address, 'mntr'))
    .split('\n')
    .find((l) => l.startsWith('zk_global_sessions'));
  return Number(line?.split('\t')[1]);
}

describe('SASL DIGEST-MD5', () => {
  it('makes nodes with a sasl:alice ACL that alice reads and others get NO_AUTH for', async () => {
    const zk = await alice();
    const path = `${root('sasl-acl')}/config`;

    await zk.ensure(path, { owner: 'alice' });

    expect(await zk.get(path)).toEqual({ owner: 'alice' });
    const obs = await observer(server.connectionString);
    await expect(obs.getData(path)).rejects.toMatchObject({ code: 'NO_AUTH' });
    const bob = await client({ sasl: { username: 'bob', password: USERS.bob } }, server.connectionString);
    const refused = bob.get(path);
    await expect(refused).rejects.toBeInstanceOf(AuthError);
    await expect(refused).rejects.toMatchObject({ code: 'NO_AUTH' });
    const unauthenticated = await client({}, server.connectionString);
    await expect(unauthenticated.get(path)).rejects.toMatchObject({ code: 'NO_AUTH' });
  });

  it('rejects connect() with AUTH_FAILED for a wrong password, before connectTimeout, opening no more sessions', async () => {
    // A server of its own: the shared one's session count moves with every other test.
    await using zk = await startZooKeeper({ servers: 1, provider: 'local', sasl: { users: USERS } });
    const address = zk.servers[0]?.address ?? '';
    expect(await globalSessions(address)).toBe(0);

    const failure = await client(
      {
        sasl: { username: 'alice', password: 'not-alice-pw' },
        sessionTimeout: 10_000,
        connectTimeout: 30_000,
      },
      zk.connectionString,
    ).catch((error: unknown) => error);

    // AUTH_FAILED, not CONNECT_TIMEOUT: refused by the server, not given up on.
    expect(failure).toBeInstanceOf(AuthError);
    expect(failure).toMatchObject({ code: 'AUTH_FAILED' });
    expect(JSON.stringify({ message: (failure as Error).message })).not.toContain('not-alice-pw');
    // The refused session lingers on the server until its timeout (10 s); a retry loop would add one every
    // 100-200 ms. Look for a bounded while: there is still exactly the one.
    for (let look = 0; look < 20; look++) {
      expect(await globalSessions(address)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('rejects connect() with AUTH_FAILED when the server has no SASL, rather than connecting unauthenticated', async () => {
    await using plain = await startZooKeeper({ servers: 1, provider: 'local' });

    const failure = await client(
      { sasl: { username: 'alice', password: USERS.alice }, connectTimeout: 30_000 },
      plain.connectionString,
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AuthError);
    expect(failure).toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('authenticates again on every reconnect: alice still reads her node after her connection dropped', async () => {
    const proxy = await startProxy(server.servers[0]?.address ?? '');
    onTestFinished(() => proxy.close());
    const zk = await alice({}, proxy.connectString);
    const path = `${root('sasl-reconnect')}/config`;
    await zk.ensure(path, { v: 1 });
    const seen = states(zk);
    const sessionId = zk.sessionId;

    proxy.dropConnections();
    await waitFor(() => seen.includes('disconnected') && zk.state === 'connected', { timeout: 10_000 });

    expect(proxy.accepted).toBeGreaterThan(1);
    expect(zk.sessionId).toBe(sessionId);
    // ZooKeeper keeps a SASL identity on the connection: without a new login this would be NO_AUTH.
    expect(await zk.get(path)).toEqual({ v: 1 });
    await zk.ensure(`${path}-2`, { v: 2 });
    expect(await zk.get(`${path}-2`)).toEqual({ v: 2 });
  });

  it('authenticates every new session after an expiry, so a registration under an alice-only parent comes back', async () => {
    const zk = await alice();
    const obs = await observer(server.connectionString);
    const base = root('sasl-expiry');
    await zk.ensure(`${base}/config`, { v: 1 });
    const registration = await zk.registerServer(`${base}/servers`, ['127.0.0.1', 8080]);
    const first = zk.sessionId;
    const seen = states(zk);

    await expireSession(zk);
    await waitFor(() => seen.includes('expired') && zk.state === 'connected', { timeout: 15_000 });

    expect(zk.sessionId).not.toBe(first);
    // Re-created by the new session under a parent only alice may create in.
    const restored = await waitFor(async () => {
      const stat = await obs.exists(registration.path);
      return stat && stat.ephemeralOwner !== first ? stat : undefined;
    });
    expect(restored.ephemeralOwner).toBe(zk.sessionId);
    await expect(obs.getData(registration.path)).rejects.toMatchObject({ code: 'NO_AUTH' });
    expect(await zk.get(`${base}/config`)).toEqual({ v: 1 });
  });

  it('authenticates the replacement of a crashed worker', async () => {
    const zk = await alice();
    const path = `${root('sasl-worker')}/config`;
    await zk.ensure(path, { v: 1 });
    const worker = workerThread(zk);

    await worker?.terminate();
    await waitFor(() => workerThread(zk) !== undefined && workerThread(zk) !== worker, { timeout: 10_000 });

    expect(await zk.get(path)).toEqual({ v: 1 });
  });

  it('never puts the password in logs, errors, state events, diagnostics or the printed client', async () => {
    const { logger, text } = capturingLogger();
    const proxy = await startProxy(server.servers[0]?.address ?? '');
    onTestFinished(() => proxy.close());
    const zk = await alice({ logger }, proxy.connectString);
    const events: unknown[] = [];
    zk.onState((state) => events.push({ state, session: zk.session }));
    const path = `${root('sasl-secret')}/config`;
    await zk.ensure(path, { v: 1 });
    proxy.dropConnections();
    await waitFor(() => events.length >= 2 && zk.state === 'connected', { timeout: 10_000 });
    const diagnostics = await zk.diagnostics();
    // What a user who logs the client object itself would print.
    const printed = inspect(zk, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    const refused = await client(
      { logger, sasl: { username: 'alice', password: 'wrong-pw-5d1a' } },
      server.connectionString,
    ).catch((error: unknown) => error);
    await zk.close();

    expect(refused).toMatchObject({ code: 'AUTH_FAILED' });
    expect(text()).toContain('reconnected');
    const everything = [
      text(),
      JSON.stringify(events),
      JSON.stringify(diagnostics),
      printed,
      JSON.stringify({ message: (refused as Error).message, stack: (refused as Error).stack }),
    ].join('\n');
    expect(everything).not.toContain(USERS.alice);
    expect(everything).not.toContain('wrong-pw-5d1a');
  });
});

describe('SASL over TLS', () => {
  it('logs alice in over a TLS connection, as in connect(servers, { tls: { ca }, sasl })', async () => {
    await using secure = await startZooKeeper({
      servers: 1,
      provider: 'local',
      tls: { clientAuth: 'none' },
      sasl: { users: USERS },
    });
    const ca = secure.tls?.ca.cert ?? '';
    const zk = await alice({ tls: { ca } }, secure.connectionString);
    const path = `${root('sasl-tls')}/config`;

    await zk.ensure(path, { over: 'tls' });

    expect(await zk.get(path)).toEqual({ over: 'tls' });
    const anonymous = await client({ tls: { ca } }, secure.connectionString);
    await expect(anonymous.get(path)).rejects.toMatchObject({ code: 'NO_AUTH' });
    const refused = await client(
      { tls: { ca }, sasl: { username: 'alice', password: 'not-alice-pw' }, connectTimeout: 30_000 },
      secure.connectionString,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'AUTH_FAILED' });
  });
});
