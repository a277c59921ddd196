import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ConnectionOptions, connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClientCertificate } from './certificates.js';
import { srvr } from './four-letter.js';
import type { SecureZooKeeperHandle, ZooKeeperHandle } from './handle.js';
import { openObserver } from './observer.js';
import { startZooKeeper } from './start.js';
import { serverDirOf } from './test-support/processes.js';
import {
  digestMd5Response,
  parseChallenge,
  RawConnection,
  saslRound,
  startSession,
} from './test-support/raw-zk.js';

type Handshake = { ok: true; authorized: boolean } | { ok: false; code: string };

/** A bare node TLS handshake (what any TLS client does first), with the server's verdict. */
function handshake(address: string, options: ConnectionOptions): Promise<Handshake> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = connect({ ...options, host, port: Number(port), servername: 'localhost' });
    socket.once('secureConnect', () => {
      // TLS 1.2: a server that refuses our certificate says so before the handshake ends, so this is its yes.
      resolve({ ok: true, authorized: socket.authorized });
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, code: error.code ?? error.message }),
    );
  });
}

/** A ZooKeeper session opened with raw frames: the server got past TLS (and x509) and made a session. */
async function sessionId(address: string, tls?: ConnectionOptions): Promise<bigint> {
  const connection = await RawConnection.open(address, tls);
  try {
    return await startSession(connection);
  } finally {
    connection.close();
  }
}

describe('a TLS server (tls: true, mutual TLS on a TLS-only port)', { timeout: 60_000 }, () => {
  let zk: SecureZooKeeperHandle;

  beforeAll(async () => {
    // ZK_CONNECT cannot serve TLS, so 'auto' goes on to the local jar instead of borrowing it.
    zk = await startZooKeeper({ tls: true, env: { ...process.env, ZK_CONNECT: '127.0.0.1:1' } });
  }, 60_000);

  afterAll(async () => {
    await zk?.stop();
  });

  it('is a local server whose one client port is its TLS port, with the run certificates on the handle', () => {
    expect(zk.provider).toBe('local');
    const [server] = zk.servers;
    expect(server).toMatchObject({ securePort: server!.port, address: zk.connectionString, running: true });
    expect(server!.plainPort).toBeUndefined();
    expect(zk.plainConnectionString).toBeUndefined();
    expect(zk.tls?.client.cn).toBe('zkit-client');
    expect(zk.tls?.otherClient.cn).not.toBe('zkit-client');
  });

  it('accepts a handshake with the client certificate and opens a session over it', async () => {
    const tls = zk.tls;
    expect(await handshake(zk.connectionString, tls.clientOptions)).toEqual({ ok: true, authorized: true });
    expect(await sessionId(zk.connectionString, tls.clientOptions)).toBeGreaterThan(0n);
    const other = { ca: tls.ca.cert, cert: tls.otherClient.cert, key: tls.otherClient.key };
    expect(await handshake(zk.connectionString, other)).toEqual({ ok: true, authorized: true });
    expect(await srvr(zk.connectionString, { tls: tls.clientOptions })).toMatchObject({ mode: 'standalone' });
  });

  it('refuses a client without a certificate, and one whose certificate a wrong CA signed', async () => {
    const tls = zk.tls;
    expect(await handshake(zk.connectionString, { ca: tls.ca.cert })).toEqual({
      ok: false,
      code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    });
    await expect(srvr(zk.connectionString, { tls: { ca: tls.ca.cert } })).rejects.toMatchObject({
      code: 'FOUR_LETTER_WORD_FAILED',
    });
    // A client that trusts only the wrong CA refuses the server's certificate.
    expect(await handshake(zk.connectionString, { ...tls.clientOptions, ca: tls.wrongCa.cert })).toEqual({
      ok: false,
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
  });

  it('gives a plain client nothing: the TLS port only speaks TLS', async () => {
    const answer = await srvr(zk.connectionString).catch((error: unknown) => error);
    expect(answer).not.toMatchObject({ serving: true });
    await expect(sessionId(zk.connectionString)).rejects.toThrow(/closed by the server/);
  });

  it('accepts a client certificate issued later by the run CA (rotation)', async () => {
    const tls = zk.tls;
    const rotated = await issueClientCertificate(tls.ca, 'zkit-client');
    const options = { ca: tls.ca.cert, cert: rotated.cert, key: rotated.key };
    expect(await sessionId(zk.connectionString, options)).toBeGreaterThan(0n);
  });

  it('can be observed over TLS (openObserver with tls), and refuses an observer without a certificate', async () => {
    const path = `/observer-tls-${process.pid}`;
    const obs = await openObserver(zk.connectionString, { tls: zk.tls.clientOptions });
    try {
      await obs.create(path, 'over tls');
      expect((await obs.getData(path)).data?.toString()).toBe('over tls');
      await obs.removeRecursive(path);
    } finally {
      await obs.close();
    }
    await expect(
      openObserver(zk.connectionString, { tls: { ca: zk.tls.ca.cert }, connectTimeout: 1500 }),
    ).rejects.toMatchObject({
      code: 'TLS_ERROR',
      message: expect.stringMatching(/BAD_CERTIFICATE|bad certificate/i),
    });
  });

  it('stop() removes the server, its dir and the certificates', async () => {
    const dir = serverDirOf(zk.servers[0]!.port);
    const certificates = zk.tls.dir;
    expect(dir !== undefined && existsSync(dir) && existsSync(certificates)).toBe(true);
    await zk.stop();
    expect(zk.servers[0]!.running).toBe(false);
    expect(serverDirOf(zk.servers[0]!.port)).toBeUndefined();
    expect(existsSync(dir!)).toBe(false);
    expect(existsSync(certificates)).toBe(false);
  });
});

describe('port unification (tls: { portUnification: true })', { timeout: 60_000 }, () => {
  it('serves plain and TLS clients on one port, still asking TLS clients for a certificate', async () => {
    await using zk = await startZooKeeper({ provider: 'local', tls: { portUnification: true } });
    const [server] = zk.servers;
    expect(server).toMatchObject({ securePort: server!.port, plainPort: server!.port });
    expect(zk.plainConnectionString).toBe(zk.connectionString);
    const tls = zk.tls;

    // A TLS session gets past the handshake and the x509 check (the authProvider.x509 line), then a plain one.
    expect(await sessionId(zk.connectionString, tls.clientOptions)).toBeGreaterThan(0n);
    await using observer = await openObserver(zk.plainConnectionString!);
    await observer.create('/unified', 'plain');
    expect((await observer.getData('/unified')).data?.toString()).toBe('plain');
    expect(await handshake(zk.connectionString, { ca: tls.ca.cert })).toMatchObject({ ok: false });
  });
});

describe('TLS with a plain port beside it (tls: { plainPort: true, clientAuth: "want" })', {
  timeout: 60_000,
}, () => {
  it('serves TLS on the connection string and plain on plainConnectionString; a certificate is optional', async () => {
    await using zk = await startZooKeeper({
      provider: 'local',
      tls: { plainPort: true, clientAuth: 'want' },
    });
    const [server] = zk.servers;
    expect(server!.plainPort).not.toBe(server!.port);
    expect(zk.plainConnectionString).toBe(`127.0.0.1:${server!.plainPort}`);
    const tls = zk.tls;

    expect(await sessionId(zk.connectionString, tls.clientOptions)).toBeGreaterThan(0n);
    expect(await sessionId(zk.connectionString, { ca: tls.ca.cert })).toBeGreaterThan(0n);
    await using observer = await openObserver(zk.plainConnectionString!);
    await observer.create('/beside', 'plain');
    await expect(sessionId(zk.plainConnectionString!, tls.clientOptions)).rejects.toThrow();
  });
});

/** SASL DIGEST-MD5 through its two rounds; resolves with the server's last reply. */
async function authenticate(
  address: string,
  credentials: { username: string; password: string },
  tls?: ConnectionOptions,
): Promise<{ challenge: Map<string, string>; reply: { err: number; token: string }; closed: boolean }> {
  const connection = await RawConnection.open(address, tls);
  try {
    await startSession(connection);
    const first = await saslRound(connection, 1, '');
    const response = digestMd5Response(first.token, credentials.username, credentials.password);
    const reply = await saslRound(connection, 2, response);
    const closed = reply.err !== 0 && (await connection.closedByServer());
    return { challenge: parseChallenge(first.token), reply, closed };
  } finally {
    connection.close();
  }
}

describe('a SASL server (sasl: { users })', { timeout: 60_000 }, () => {
  // A password with JAAS's quote and escape characters: the JAAS file must carry it through unchanged.
  const users = { alice: 'alice-secret', bob: 'b"o\\b' };
  let zk: ZooKeeperHandle;

  beforeAll(async () => {
    zk = await startZooKeeper({ provider: 'local', sasl: { users } });
  }, 60_000);

  afterAll(async () => {
    await zk?.stop();
  });

  it('answers a SASL request with ZooKeeper’s DIGEST-MD5 challenge', async () => {
    const { challenge } = await authenticate(zk.connectionString, {
      username: 'alice',
      password: users.alice,
    });
    expect(challenge.get('realm')).toBe('zk-sasl-md5');
    expect(challenge.get('nonce')).toMatch(/\S{8,}/);
  });

  it('authenticates its users with their passwords and refuses a wrong one (AUTHFAILED, connection closed)', async () => {
    for (const [username, password] of Object.entries(users)) {
      const { reply } = await authenticate(zk.connectionString, { username, password });
      expect({ username, err: reply.err }).toEqual({ username, err: 0 });
      expect(reply.token).toMatch(/^rspauth=[0-9a-f]{32}$/);
    }
    const wrong = await authenticate(zk.connectionString, { username: 'alice', password: 'WRONG' });
    expect(wrong.reply.err).toBe(-115);
    expect(wrong.closed).toBe(true);
  });

  it('keeps the JAAS file in the server dir, readable by the owner only, and stop() removes it', async () => {
    const dir = serverDirOf(zk.servers[0]!.port)!;
    const jaas = join(dir, 'jaas.conf');
    expect(readFileSync(jaas, 'utf8')).toContain('user_alice="alice-secret"');
    expect(statSync(jaas).mode & 0o077).toBe(0);
    await zk.stop();
    expect(existsSync(jaas)).toBe(false);
  });
});

describe('TLS and SASL together', { timeout: 60_000 }, () => {
  it('authenticates a SASL user over TLS', async () => {
    await using zk = await startZooKeeper({ provider: 'local', tls: true, sasl: { users: { svc: 'pw' } } });
    const { reply } = await authenticate(
      zk.connectionString,
      { username: 'svc', password: 'pw' },
      zk.tls.clientOptions,
    );
    expect(reply.err).toBe(0);
  });
});

describe('providers that cannot serve TLS or SASL', () => {
  it('rejects TLS and SASL from ZK_CONNECT and from a container, by name, with NOT_SUPPORTED', async () => {
    const env = { ...process.env, ZK_CONNECT: '127.0.0.1:1' };
    await expect(startZooKeeper({ provider: 'env', env, tls: true })).rejects.toMatchObject({
      name: 'TestingError',
      code: 'NOT_SUPPORTED',
      message: expect.stringContaining('TLS'),
    });
    await expect(startZooKeeper({ provider: 'env', env, sasl: { users: { a: 'b' } } })).rejects.toMatchObject(
      { code: 'NOT_SUPPORTED', message: expect.stringContaining('SASL') },
    );
    await expect(startZooKeeper({ provider: 'container', tls: true })).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
    });
  });
});
