import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AclEntry } from '@zkit/client';
import { type SecureZooKeeperHandle, startZooKeeper, type ZooKeeperHandle } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, observer, root } from './support/harness.js';

// The real binary, built: run `npx turbo run build` first. Each run gets --zk explicitly and no ZKIT_* variables of
// the caller's shell, so only what a test passes decides TLS and SASL.
const ZKIT = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function zkit(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  if (!existsSync(ZKIT)) throw new Error(`${ZKIT} is missing: run \`npx turbo run build\` first`);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ZKIT_')),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ZKIT, ...args],
      { env: { ...inherited, NO_COLOR: '1', ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The one error line a failed command prints, and nothing on stdout. */
function expectOneErrorLine(result: Result, code: number, line: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(line)]);
}

const dir = mkdtempSync(join(tmpdir(), 'zkit-cli-secure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  return path;
}

describe('zkit over mutual TLS', () => {
  let zk: SecureZooKeeperHandle;
  /** The TLS-only port zkit uses, and the plain one the observer arranges through (it has no TLS). */
  let secure: string;
  let plain: string;

  beforeAll(async () => {
    zk = await startZooKeeper({ tls: { plainPort: true } });
    secure = zk.connectionString;
    plain = zk.plainConnectionString as string;
  });
  afterAll(() => zk?.stop());

  const mutual = () => [
    '--tls-ca',
    zk.tls.ca.certFile,
    '--tls-cert',
    zk.tls.client.certFile,
    '--tls-key',
    zk.tls.client.keyFile,
  ];

  it('ls over mutual TLS lists what another session wrote, from flags or from ZKIT_TLS_* variables', async () => {
    const base = root('cli-tls');
    const obs = await observer(plain);
    await obs.mkdirp(`${base}/a`);
    await obs.mkdirp(`${base}/b`);

    const flags = await zkit(['--zk', secure, ...mutual(), 'ls', base]);
    expect(flags).toEqual({ code: 0, stdout: 'a\nb\n', stderr: '' });

    const fromEnv = await zkit(['--zk', secure, 'ls', base], {
      ZKIT_TLS_CA: zk.tls.ca.certFile,
      ZKIT_TLS_CERT: zk.tls.client.certFile,
      ZKIT_TLS_KEY: zk.tls.client.keyFile,
    });
    expect(fromEnv).toEqual({ code: 0, stdout: 'a\nb\n', stderr: '' });

    const rootListing = await zkit(['--zk', secure, ...mutual(), 'ls', '/']);
    expect(rootListing.code).toBe(0);
    expect(rootListing.stdout.split('\n')).toContain('zookeeper');
  });

  it('without the client certificate exits 3 with one TLS_ERROR line', async () => {
    const result = await zkit([
      '--zk',
      secure,
      '--tls-ca',
      zk.tls.ca.certFile,
      '--timeout',
      '10000',
      'ls',
      '/',
    ]);
    expectOneErrorLine(
      result,
      3,
      /^zkit: TLS_ERROR: .*127\.0\.0\.1.*\(no client certificate was given: --tls-cert/,
    );
  });

  it('trusting another CA exits 3 with one TLS_ERROR line', async () => {
    const result = await zkit([
      '--zk',
      secure,
      '--tls-ca',
      zk.tls.wrongCa.certFile,
      '--tls-cert',
      zk.tls.client.certFile,
      '--tls-key',
      zk.tls.client.keyFile,
      'ls',
      '/',
    ]);
    expectOneErrorLine(result, 3, /^zkit: TLS_ERROR: /);
  });

  it('a servername the certificate does not carry exits 3 with one TLS_ERROR line', async () => {
    const result = await zkit([
      '--zk',
      secure,
      ...mutual(),
      '--tls-servername',
      'elsewhere.example',
      'ls',
      '/',
    ]);
    expectOneErrorLine(result, 3, /^zkit: TLS_ERROR: .*elsewhere\.example/);
  });

  it('an encrypted key opens with --tls-passphrase-file; a wrong passphrase exits 2, echoing neither', async () => {
    const PASSPHRASE = 'pp-1c9e-right';
    const encrypted = createPrivateKey(readFileSync(zk.tls.client.keyFile)).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: PASSPHRASE,
    });
    const keyFile = join(dir, 'client-key.encrypted.pem');
    writeFileSync(keyFile, encrypted, { mode: 0o600 });
    const withKey = (passphraseFile: string) =>
      zkit([
        '--zk',
        secure,
        '--tls-ca',
        zk.tls.ca.certFile,
        '--tls-cert',
        zk.tls.client.certFile,
        '--tls-key',
        keyFile,
        '--tls-passphrase-file',
        passphraseFile,
        'ls',
        '/',
      ]);

    const opened = await withKey(secretFile('pp-right', PASSPHRASE));
    expect(opened.code).toBe(0);
    expect(opened.stdout.split('\n')).toContain('zookeeper');

    const refused = await withKey(secretFile('pp-wrong', 'pp-0000-wrong'));
    expectOneErrorLine(refused, 2, /^zkit: INVALID_OPTION: option tls cannot be loaded/);
    expect(refused.stderr).not.toContain('pp-0000-wrong');
    expect(refused.stderr).not.toContain(PASSPHRASE);
  });

  // Seen on Debian's ZooKeeper 3.8: on a server without a plain port, a plain client gets CONNECT_TIMEOUT instead,
  // and TLS clients time out for some seconds after it; with a plain port (as here) it is a TLS_ERROR (at --timeout).
  it('without TLS on the TLS-only port exits 3 with one TLS_ERROR line', async () => {
    const result = await zkit(['--zk', secure, '--timeout', '3000', 'ls', '/']);
    expectOneErrorLine(result, 3, /^zkit: TLS_ERROR: .*\(zkit connected without TLS: --tls/);
  });

  it('a client certificate without its key exits 2 before connecting', async () => {
    const result = await zkit(['--zk', secure, '--tls-cert', zk.tls.client.certFile, 'ls', '/']);
    expectOneErrorLine(result, 2, /^zkit: USAGE: --tls-cert needs the key too/);
  });
});

describe('zkit with SASL DIGEST-MD5', () => {
  const USERS = { alice: 'alice-pw-c41d9e', bob: 'bob-pw-0b7a22' };
  const WRONG = 'not-alice-pw-93f1';
  const ALICE_ONLY: readonly AclEntry[] = [
    { scheme: 'sasl', id: 'alice', perms: ['read', 'write', 'create', 'delete', 'admin'] },
  ];
  let server: ZooKeeperHandle;

  beforeAll(async () => {
    server = await startZooKeeper({ servers: 1, provider: 'local', sasl: { users: USERS } });
  });
  afterAll(() => server?.stop());

  /** A node only alice may read, written by alice through the library. */
  async function aliceOnlyNode(name: string): Promise<string> {
    const alice = await client(
      { sasl: { username: 'alice', password: USERS.alice }, parentAcl: ALICE_ONLY },
      server.connectionString,
    );
    const path = `${root(name)}/config`;
    await alice.ensure(path, { owner: 'alice' });
    await expect((await observer(server.connectionString)).getData(path)).rejects.toMatchObject({
      code: 'NO_AUTH',
    });
    return path;
  }

  const noSecret = (result: Result) => {
    for (const secret of [USERS.alice, WRONG]) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
  };

  it('get reads a sasl:alice-only node with the password from a file or ZKIT_SASL_PASSWORD', async () => {
    const path = await aliceOnlyNode('cli-sasl-get');
    const passwordFile = secretFile('alice-pw', USERS.alice);

    const fromFile = await zkit([
      '--zk',
      server.connectionString,
      '--sasl-user',
      'alice',
      '--sasl-password-file',
      passwordFile,
      'get',
      path,
    ]);
    expect(fromFile).toEqual({ code: 0, stdout: 'owner = "alice"\n', stderr: '' });

    const fromEnv = await zkit(['--zk', server.connectionString, '--json', 'get', path], {
      ZKIT_SASL_USER: 'alice',
      ZKIT_SASL_PASSWORD: USERS.alice,
    });
    expect(fromEnv).toEqual({ code: 0, stdout: '{"owner":"alice"}\n', stderr: '' });
  });

  it('as another user, get of the node exits 1 with NO_AUTH', async () => {
    const path = await aliceOnlyNode('cli-sasl-bob');
    const result = await zkit([
      '--zk',
      server.connectionString,
      '--sasl-user',
      'bob',
      '--sasl-password-file',
      secretFile('bob-pw', USERS.bob),
      'get',
      path,
    ]);
    expectOneErrorLine(result, 1, /^zkit: NO_AUTH: /);
  });

  it('a wrong password exits 4 with one AUTH_FAILED line that holds no password', async () => {
    const path = await aliceOnlyNode('cli-sasl-wrong');
    const result = await zkit([
      '--zk',
      server.connectionString,
      '--sasl-user',
      'alice',
      '--sasl-password-file',
      secretFile('wrong-pw', WRONG),
      'get',
      path,
    ]);
    expectOneErrorLine(result, 4, /^zkit: AUTH_FAILED: /);
    noSecret(result);
  });

  it('with every log line on stderr (ZKIT_LOG=trace), neither the right nor a wrong password is printed', async () => {
    const path = await aliceOnlyNode('cli-sasl-logs');
    const run = (password: string) =>
      zkit(['--zk', server.connectionString, '--sasl-user', 'alice', 'get', path], {
        ZKIT_SASL_PASSWORD: password,
        ZKIT_LOG: 'trace',
      });
    const right = await run(USERS.alice);
    expect(right.code).toBe(0);
    expect(right.stderr).not.toBe(''); // the logs are there, so their lack of secrets means something
    noSecret(right);
    const wrong = await run(WRONG);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/^zkit: AUTH_FAILED: /m);
    noSecret(wrong);
  });

  it('import --acl sasl:alice:rwcda as alice makes nodes that only alice reads', async () => {
    const base = root('cli-sasl-import');
    const passwordFile = secretFile('alice-import-pw', USERS.alice);
    const asAlice = [
      '--zk',
      server.connectionString,
      '--sasl-user',
      'alice',
      '--sasl-password-file',
      passwordFile,
    ];
    const tree = secretFile('tree.zk', '/app\n  threads = 2');

    const imported = await zkit([...asAlice, 'import', '--acl', 'sasl:alice:rwcda', tree, base]);
    expect(imported.code).toBe(0);

    // The ACL itself is not readable without READ or ADMIN (getACL checks them): what others get shows it.
    const obs = await observer(server.connectionString);
    await expect(obs.getData(`${base}/app`)).rejects.toMatchObject({ code: 'NO_AUTH' });
    const bobPassword = secretFile('bob-import-pw', USERS.bob);
    const asBob = [
      '--zk',
      server.connectionString,
      '--sasl-user',
      'bob',
      '--sasl-password-file',
      bobPassword,
    ];
    expectOneErrorLine(await zkit([...asBob, 'get', `${base}/app`]), 1, /^zkit: NO_AUTH: /);
    expect(await zkit([...asAlice, 'get', `${base}/app`])).toMatchObject({
      code: 0,
      stdout: 'threads = 2\n',
    });
  });
});
