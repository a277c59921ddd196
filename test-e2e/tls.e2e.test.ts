import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { type AclEntry, connect, SessionError, type ZkFailure } from '@zkit/client';
import { workerThread } from '@zkit/client/internal';
import {
  fourLetterWord,
  startZooKeeper,
  type TestCertificates,
  waitFor,
  type ZooKeeperHandle,
} from '@zkit/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { capturingLogger, client, observer, retryThroughFailover, root } from './support/harness.js';
import { startFixture } from './support/process.js';

const ALL: AclEntry['perms'] = ['read', 'write', 'create', 'delete', 'admin'];
const quiet = () => pino({ level: process.env.ZKIT_TEST_LOG ?? 'silent' });

/** connect() that must fail: resolves with its error (a client that did connect is closed, and fails the test). */
async function failedConnect(
  connectionString: string,
  options: Parameters<typeof connect>[1],
): Promise<unknown> {
  try {
    const zk = await connect(connectionString, { logger: quiet(), ...options });
    await zk.close();
  } catch (error) {
    return error;
  }
  throw new Error('connect() succeeded');
}

/** File-path TLS options for one of the run's client certificates. */
function tlsFiles(certs: TestCertificates, which: 'client' | 'otherClient' = 'client') {
  return { ca: certs.ca.certFile, cert: certs[which].certFile, key: certs[which].keyFile };
}

function onlyFor(cn: string): AclEntry[] {
  return [{ scheme: 'x509', id: `CN=${cn}`, perms: ALL }];
}

describe('TLS (mutual) against a TLS-only ZooKeeper port', () => {
  let zk: ZooKeeperHandle;
  let certs: TestCertificates;
  /** The TLS port; the observer uses the plain one (it has no TLS). */
  let secure: string;
  let plain: string;

  beforeAll(async () => {
    zk = await startZooKeeper({ tls: { plainPort: true } });
    certs = zk.tls as TestCertificates;
    secure = zk.connectionString;
    plain = zk.plainConnectionString as string;
  });
  afterAll(() => zk?.stop());

  it('holds a session, a registration and live views over TLS', async () => {
    const c = await client({ tls: tlsFiles(certs) }, secure);
    const obs = await observer(plain);
    const base = root('tls-session');
    const registration = await c.registerServer(`${base}/servers`, ['127.0.0.1', 8080]);
    const servers = await c.children(`${base}/servers`);
    await c.ensure(`${base}/config`, { threads: 1 });
    const config = await c.properties(`${base}/config`);

    expect((await obs.exists(registration.path))?.ephemeralOwner).toBe(c.sessionId);
    await obs.create(`${base}/servers/10.0.0.2:1`);
    await obs.setData(`${base}/config`, '{"threads":2}');
    await waitFor(() => servers.has('10.0.0.2:1') && config.get('threads') === 2);
    expect(c.state).toBe('connected');
    // What diagnostics() shows of it: the files in use.
    expect((await c.diagnostics()).tls).toEqual({
      ca: [certs.ca.certFile],
      cert: [certs.client.certFile],
      key: [certs.client.keyFile],
    });
  });

  it('gives the client its certificate as x509 identity: an x509 ACL lets one certificate in, not another', async () => {
    const owner = await client({ tls: tlsFiles(certs), registrationAcl: onlyFor(certs.client.cn) }, secure);
    const stranger = await client({ tls: tlsFiles(certs, 'otherClient') }, secure);
    const obs = await observer(plain);
    const registration = await owner.registerServer(`${root('tls-x509')}/servers`, ['127.0.0.1', 8080]);

    expect(await owner.get(registration.path)).toMatchObject({ pid: process.pid });
    await expect(stranger.get(registration.path)).rejects.toMatchObject({ code: 'NO_AUTH' });
    await expect(obs.getData(registration.path)).rejects.toMatchObject({ code: 'NO_AUTH' });
  });

  it('carries TLS to a replacement worker: same session, same x509 identity', async () => {
    const c = await client({ tls: tlsFiles(certs), registrationAcl: onlyFor(certs.client.cn) }, secure);
    const obs = await observer(plain);
    const base = root('tls-worker');
    const registration = await c.registerServer(`${base}/servers`, ['127.0.0.1', 8080]);
    const servers = await c.children(`${base}/servers`);
    const session = c.sessionId;

    await workerThread(c)?.terminate();

    // Only a connection made with the client certificate can read the node: the new worker's is one.
    expect(await c.get(registration.path)).toMatchObject({ pid: process.pid });
    expect(c.sessionId).toBe(session);
    await obs.create(`${base}/servers/10.0.0.2:1`);
    await waitFor(() => servers.has('10.0.0.2:1'));
  });

  it.each([
    [
      'a CA that did not sign the server',
      (c: TestCertificates) => ({ ...tlsFiles(c), ca: c.wrongCa.certFile }),
    ],
    ['no client certificate', (c: TestCertificates) => ({ ca: c.ca.certFile })],
    [
      'a client certificate from a CA the server does not trust',
      (c: TestCertificates) => ({
        ca: c.ca.certFile,
        cert: c.wrongCa.certFile,
        key: c.wrongCa.keyFile,
      }),
    ],
    [
      // Hostname verification is on by default: the server's certificate names localhost and 127.0.0.1.
      'a server whose certificate does not carry the expected name',
      (c: TestCertificates) => ({ ...tlsFiles(c), servername: 'zk.elsewhere.example' }),
    ],
  ])('rejects connect() with TLS_ERROR for %s, naming the server and the reason', async (_, tls) => {
    const error = await failedConnect(secure, { tls: tls(certs), connectTimeout: 20_000 });

    expect(error).toBeInstanceOf(SessionError);
    expect(error).toMatchObject({ code: 'TLS_ERROR' });
    expect((error as Error).message).toContain(secure);
  });

  it('rejects connect() with TLS_ERROR for a TLS client on a plain port', async () => {
    const error = await failedConnect(plain, { tls: tlsFiles(certs), connectTimeout: 20_000 });

    expect(error).toMatchObject({ code: 'TLS_ERROR' });
  });

  it('rejects connect() with TLS_ERROR, not CONNECT_TIMEOUT, for a plain client on the TLS port', async () => {
    const error = await failedConnect(secure, { connectTimeout: 4000 });

    expect(error).toBeInstanceOf(SessionError);
    expect(error).toMatchObject({ code: 'TLS_ERROR' });
    expect((error as Error).message).toMatch(/tls option/);
  });

  it('reads rotated certificate files on reconnect; a failing handshake meanwhile is a failure and an error log line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkit-tls-rotate-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
    await writeFile(files.ca, certs.ca.cert);
    await writeFile(files.cert, certs.client.cert);
    await writeFile(files.key, certs.client.key);
    const { logger, records } = capturingLogger('info');
    const c = await client({ tls: files, logger, sessionTimeout: 10_000 }, secure);
    const failures: ZkFailure[] = [];
    c.onFailure((failure) => failures.push(failure));
    // A node only the other certificate may read, held by a client of that certificate.
    const holder = await client(
      {
        tls: tlsFiles(certs, 'otherClient'),
        registrationAcl: onlyFor(certs.otherClient.cn),
        sessionTimeout: 10_000,
      },
      secure,
    );
    const registration = await holder.registerServer(`${root('tls-rotate')}/servers`, ['127.0.0.1', 8080]);
    await expect(c.get(registration.path)).rejects.toMatchObject({ code: 'NO_AUTH' });
    const session = c.sessionId;

    // A rotation gone wrong: a CA that does not know the server; the server restarts, forcing a reconnect.
    await writeFile(files.ca, certs.wrongCa.cert);
    await zk.restart(0);
    await waitFor(() => failures.find((failure) => failure.error.code === 'TLS_ERROR'), { timeout: 15_000 });
    expect(records.some((record) => record.level === 50 && /TLS/.test(record.msg))).toBe(true);
    expect(c.state).not.toBe('connected');

    // Fixed, with the other certificate: the next connection is made with it, and its identity reads the node.
    await writeFile(files.cert, certs.otherClient.cert);
    await writeFile(files.key, certs.otherClient.key);
    await writeFile(files.ca, certs.ca.cert);
    await waitFor(() => c.state === 'connected', { timeout: 15_000 });
    expect(await c.get(registration.path)).toMatchObject({ pid: process.pid });
    expect(c.sessionId).toBe(session);
  });

  it('puts no key, certificate or passphrase in logs, errors, state events, diagnostics() or the printed client', async () => {
    const passphrase = `pass-${Math.random().toString(36).slice(2)}-phrase`;
    const encryptedKey = createPrivateKey(certs.client.key)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
      .toString();
    const tls = { ca: certs.ca.cert, cert: certs.client.cert, key: encryptedKey, passphrase };
    const { logger, records, text } = capturingLogger('trace');
    const c = await client({ tls, logger }, secure);
    const states: unknown[] = [];
    c.onState((state) => states.push(state));
    await c.registerServer(`${root('tls-secrets')}/servers`, ['127.0.0.1', 8080]);
    const diagnostics = JSON.stringify(await c.diagnostics());
    // What a user who logs the client object itself would print.
    const printed = inspect(c, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    const refused = await failedConnect(secure, { tls: { ...tls, ca: certs.wrongCa.cert }, logger });
    const invalid = await failedConnect(secure, {
      tls: { ...tls, passphrase: `${passphrase}-wrong` },
      logger,
    });
    await c.close();

    expect(records.some((record) => record.msg === 'session started')).toBe(true);
    expect(JSON.parse(diagnostics).tls).toEqual({
      ca: ['(inline)'],
      cert: ['(inline)'],
      key: ['(inline)'],
      passphrase: '(set)',
    });
    expect(refused).toMatchObject({ code: 'TLS_ERROR' });
    expect(invalid).toMatchObject({ code: 'INVALID_OPTION' });
    const said = [text(), diagnostics, printed, JSON.stringify(states), ...[refused, invalid].map(errorText)];
    const secrets = [
      passphrase,
      '-----BEGIN',
      ...[encryptedKey, certs.client.key, certs.client.cert, certs.ca.cert].map(pemBody),
    ];
    for (const where of said) for (const secret of secrets) expect(where).not.toContain(secret);
  });
});

/** A line from the middle of a PEM block: what a leak of it would contain. */
function pemBody(pem: string): string {
  const lines = pem.trim().split('\n');
  return lines[Math.floor(lines.length / 2)] as string;
}

function errorText(error: unknown): string {
  const e = error as Error;
  return `${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}`;
}

describe('TLS in a 3-node ensemble', () => {
  let ensemble: ZooKeeperHandle;

  beforeAll(async () => {
    ensemble = await startZooKeeper({ servers: 3, tls: { plainPort: true } });
  });
  afterAll(() => ensemble?.stop());

  it('fails over over TLS when the server the session is on dies: same session, registration and views', async () => {
    const certs = ensemble.tls as TestCertificates;
    const c = await client({ tls: tlsFiles(certs), sessionTimeout: 6000 }, ensemble.connectionString);
    const obs = await observer(ensemble.plainConnectionString);
    const base = root('tls-failover');
    const registration = await c.registerServer(`${base}/servers`, ['127.0.0.1', 8080]);
    const servers = await c.children(`${base}/servers`);
    const session = c.sessionId as string;

    const on = await serverOf(ensemble, session);
    await ensemble.kill(on);
    await waitFor(async () => (await serverOf(ensemble, session).catch(() => on)) !== on, {
      timeout: 20_000,
    });

    await waitFor(() => c.state === 'connected');
    expect(c.sessionId).toBe(session);
    expect((await retryThroughFailover(() => obs.exists(registration.path)))?.ephemeralOwner).toBe(session);
    await retryThroughFailover(() => obs.create(`${base}/servers/10.0.0.2:1`));
    await waitFor(() => servers.has('10.0.0.2:1'));
  });

  it('opens a new session over TLS after expiry and restores the registration', async () => {
    const certs = ensemble.tls as TestCertificates;
    const obs = await observer(ensemble.plainConnectionString);
    const base = root('tls-expiry');
    const service = `${base}/servers`;
    await obs.mkdirp(service);
    await obs.create(`${base}/config`, '{}');
    const proc = startFixture(
      'zkit-process.ts',
      [ensemble.connectionString, service, `${base}/config`, '2000'],
      {
        ZKIT_FIXTURE_TLS: JSON.stringify(tlsFiles(certs)),
      },
    );
    const ready = await proc.line((line) => line.type === 'ready');
    const node = `${service}/127.0.0.1:8080`;

    proc.child.kill('SIGSTOP');
    await waitFor(async () => (await retryThroughFailover(() => obs.exists(node))) === null, {
      timeout: 15_000,
    });
    const mark = proc.lines.length;
    proc.child.kill('SIGCONT');

    const restored = await waitFor(() => retryThroughFailover(() => obs.exists(node)), { timeout: 20_000 });
    expect(restored.ephemeralOwner).not.toBe(ready.sessionId);
    await proc.line((line) => line.type === 'state' && line.state === 'expired', { from: mark });
    const connected = await proc.line((line) => line.type === 'state' && line.state === 'connected', {
      from: mark,
    });
    expect(connected.sessionId).toBe(restored.ephemeralOwner);
  });
});

/** Index of the server the session is on: the one whose TLS connections (`cons` over TLS) include it. */
async function serverOf(ensemble: ZooKeeperHandle, session: string): Promise<number> {
  const id = BigInt(`0x${session}`);
  const tls = (ensemble.tls as TestCertificates).clientOptions;
  for (const server of ensemble.servers) {
    if (!server.running) continue;
    // `cons` lists the connections of the port it is asked on: the TLS one.
    const cons = await fourLetterWord(server.address, 'cons', { tls }).catch(() => '');
    for (const match of cons.matchAll(/sid=0x([0-9a-f]+)/g)) {
      if (BigInt(`0x${match[1]}`) === id) return server.index;
    }
  }
  throw new Error(`no server holds session ${session}`);
}
