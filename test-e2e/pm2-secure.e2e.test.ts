// pm2-zkit in secure ensembles, run by a private PM2 daemon: over mutual TLS (its key encrypted, the passphrase from
// a file) against a TLS-only ZooKeeper port, observed through the server's plain port; and with SASL DIGEST-MD5, the
// password from a file, under a root only the SASL user may create in. A bad setting stops the plugin with exit 78,
// and nothing PM2 shows (logs, `pm2 describe`, the `list` action) holds key material, the passphrase or the password.
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePorts,
  type SecureZooKeeperHandle,
  startZooKeeper,
  uniquePath,
  waitFor,
  type ZooKeeperHandle,
} from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { connectPm2Api } from './fixtures/pm2/api.js';
import { APP, type Listed, type Pm2Daemon } from './fixtures/pm2/daemon.js';
import { PLUGIN_HOST, type PluginRun, startPlugin, stopPlugin } from './fixtures/pm2/plugin-run.js';
import { registered, startApp } from './fixtures/pm2/watch.js';

const dir = mkdtempSync(join(tmpdir(), 'zkit-pm2-secure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  return path;
}

/** The plugin's stdout so far (pino's JSON lines; PM2 keeps it across the plugin's restarts). */
async function pluginLog(pm2: Pm2Daemon): Promise<string> {
  const [plugin] = await pm2.processes('pm2-zkit');
  return readFile(plugin?.pm2_env.pm_out_log_path ?? '', 'utf8').catch(() => '');
}

/** Resolves once PM2 lists the plugin stopped: started with `--stop-exit-codes 78`, it exited with 78. */
function stoppedByBadSettings(pm2: Pm2Daemon): Promise<Listed> {
  return waitFor(
    async () => {
      const [plugin] = await pm2.processes('pm2-zkit');
      return plugin?.pm2_env.status === 'stopped' ? plugin : undefined;
    },
    { timeout: 15_000, message: 'pm2-zkit stopped with exit code 78' },
  );
}

/** The body of a PEM block (its base64 lines joined), to look for anywhere. */
function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'))
    .join('')
    .slice(0, 40);
}

describe('pm2-zkit over mutual TLS', () => {
  const PASSPHRASE = 'pp-3b9d-pm2-secure';
  let zk: SecureZooKeeperHandle;
  let keyFile: string;

  beforeAll(async () => {
    zk = await startZooKeeper({ tls: { plainPort: true } });
    const encrypted = createPrivateKey(readFileSync(zk.tls.client.keyFile)).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: PASSPHRASE,
    });
    keyFile = join(dir, 'client-key.encrypted.pem');
    writeFileSync(keyFile, encrypted, { mode: 0o600 });
  });
  afterAll(() => zk?.stop());

  /** Starts the plugin on the TLS-only port, the observer on the plain one. */
  async function startSecurePlugin(root: string, env: Record<string, string>, args: string[] = []) {
    const run: PluginRun = await startPlugin(root, {
      observer: zk.plainConnectionString as string,
      args,
      env: {
        ZK_CONNECT: zk.connectionString,
        ZKIT_TLS_CA: zk.tls.ca.certFile,
        ZKIT_TLS_CERT: zk.tls.client.certFile,
        ZKIT_TLS_KEY: keyFile,
        ...env,
      },
    });
    onTestFinished(() => stopPlugin(run, root));
    return run;
  }

  it('registers an app, the key opened with the passphrase from its file; PM2 shows no secret', async () => {
    const root = uniquePath('pm2-tls');
    const { pm2, obs } = await startSecurePlugin(root, {
      ZKIT_TLS_PASSPHRASE_FILE: secretFile('pp-right', PASSPHRASE),
    });
    const [port] = await freePorts(1);
    const [app] = await startApp(pm2, APP, { name: 'tls-app', env: { ZK_PORT: String(port) } });
    const path = `${root}/tls-app/servers/${PLUGIN_HOST}:${port}`;
    const data = await registered(obs, path, [app!.pid]);
    expect(data).toMatchObject({ pid: app!.pid, name: 'tls-app' });

    const api = await connectPm2Api(pm2.home);
    try {
      const listed = (await api.trigger('pm2-zkit', 'list')) as { nodes: Record<string, unknown> };
      expect(Object.keys(listed.nodes)).toEqual([path]);
      const [described] = await api.describe('pm2-zkit');
      const shown = [JSON.stringify(listed), JSON.stringify(described), await pluginLog(pm2)].join('\n');
      // The settings are shown as paths, and the plugin said it connected over TLS.
      expect(shown).toContain(keyFile);
      expect(await pluginLog(pm2)).toMatch(/"tls":true/);
      for (const secret of [
        PASSPHRASE,
        pemBody(readFileSync(keyFile, 'utf8')),
        pemBody(zk.tls.client.key),
        'PRIVATE KEY',
      ]) {
        expect(shown).not.toContain(secret);
      }
    } finally {
      api.disconnect();
    }
  });

  it('stops with exit code 78 on a wrong passphrase, and the log holds neither passphrase', async () => {
    const root = uniquePath('pm2-tls-bad');
    const WRONG = 'pp-0000-wrong';
    const { pm2, obs } = await startSecurePlugin(
      root,
      { ZKIT_TLS_PASSPHRASE_FILE: secretFile('pp-wrong', WRONG) },
      ['--stop-exit-codes', '78'],
    );
    await stoppedByBadSettings(pm2);
    const log = await pluginLog(pm2);
    expect(log).toMatch(/"code":"INVALID_CONFIG"/);
    expect(log).toMatch(/the TLS files .* cannot be loaded/);
    expect(log).not.toContain(WRONG);
    expect(log).not.toContain(PASSPHRASE);
    expect(await obs.exists(root)).toBeNull();
  });
});

describe('pm2-zkit with SASL DIGEST-MD5', () => {
  const PASSWORD = 'svc-pw-6d2c-pm2-secure';
  let zk: ZooKeeperHandle;

  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 1, provider: 'local', sasl: { users: { svc: PASSWORD } } });
  });
  afterAll(() => zk?.stop());

  it('registers an app under a root only sasl:svc may create in, the password from a file', async () => {
    const root = uniquePath('pm2-sasl');
    const run = await startPlugin(root, {
      observer: zk.connectionString,
      env: {
        ZK_CONNECT: zk.connectionString,
        ZKIT_SASL_USER: 'svc',
        ZKIT_SASL_PASSWORD_FILE: secretFile('svc-pw', PASSWORD),
      },
    });
    onTestFinished(() => stopPlugin(run, root));
    const { pm2, obs } = run;
    // svc may do anything; everyone else (the observer) only read and delete (to clean up).
    await obs.create(root, '', {
      acl: [
        { perms: 31, scheme: 'sasl', id: 'svc' },
        { perms: 1 | 8, scheme: 'world', id: 'anyone' },
      ],
    });
    await expect(obs.create(`${root}/intruder`)).rejects.toMatchObject({ code: 'NO_AUTH' });

    const [port] = await freePorts(1);
    const [app] = await startApp(pm2, APP, { name: 'sasl-app', env: { ZK_PORT: String(port) } });
    await registered(obs, `${root}/sasl-app/servers/${PLUGIN_HOST}:${port}`, [app!.pid]);

    const log = await pluginLog(pm2);
    expect(log).toMatch(/"saslUser":"svc"/);
    expect(log).not.toContain(PASSWORD);
  });

  it('stops with exit code 78 when the password file is missing, naming the file only', async () => {
    const root = uniquePath('pm2-sasl-bad');
    const missing = join(dir, 'no-such-password');
    const run = await startPlugin(root, {
      observer: zk.connectionString,
      args: ['--stop-exit-codes', '78'],
      env: { ZK_CONNECT: zk.connectionString, ZKIT_SASL_USER: 'svc', ZKIT_SASL_PASSWORD_FILE: missing },
    });
    onTestFinished(() => stopPlugin(run, root));
    await stoppedByBadSettings(run.pm2);
    expect(await pluginLog(run.pm2)).toMatch(
      /sasl_password_file .*no-such-password: cannot read the file \(ENOENT\)/,
    );
  });
});
