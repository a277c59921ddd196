import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, moduleConfOf } from './config.js';
import { isPluginError } from './errors.js';
import { connectOptions } from './secure.js';

// Real PEM files are loaded by the e2e test (test-e2e/pm2-secure.e2e.test.ts) against a mutual-TLS ZooKeeper;
// here, what needs no valid certificate: which settings turn TLS and SASL on, pairs, files, and no secret echoed.
const dir = mkdtempSync(join(tmpdir(), 'pm2-zkit-secure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = 'pw-5e1f-do-not-echo';
const PASSPHRASE = 'pp-77ab-do-not-echo';
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}
const passwordFile = file('password', `${PASSWORD}\n`);
const passphraseFile = file('passphrase', PASSPHRASE);
const emptyFile = file('empty', '\n');
const notPem = file('not.pem', 'not a certificate\n');

const load = (env: NodeJS.ProcessEnv) => loadConfig({ env, primaryAddress: () => '10.0.0.5' });
const conf = (settings: Record<string, unknown>) => ({
  name: 'pm2-zkit',
  'pm2-zkit': JSON.stringify(settings),
});

/** The INVALID_CONFIG error loading `env` throws, checked to hold no secret. */
function refusal(env: NodeJS.ProcessEnv): Error {
  let thrown: unknown;
  try {
    load(env);
  } catch (error) {
    thrown = error;
  }
  expect(isPluginError(thrown, 'INVALID_CONFIG')).toBe(true);
  const error = thrown as Error;
  const text = `${error.message} ${JSON.stringify(error)} ${String(error.cause ?? '')}`;
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(PASSPHRASE);
  return error;
}

describe('TLS and SASL settings', () => {
  it('are off by default: connect() gets neither tls nor sasl', () => {
    const { config } = load({});
    expect(connectOptions(config)).toEqual({});
  });

  it('tls=true (or ZKIT_TLS=1, as for the zkit CLI) is TLS with node’s CAs', () => {
    expect(connectOptions(load(conf({ tls: 'true' })).config)).toEqual({ tls: true });
    expect(connectOptions(load({ ZKIT_TLS: '1' }).config)).toEqual({ tls: true });
    expect(load(conf({ tls: 'false' })).config.tls).toBe(false);
    expect(refusal(conf({ tls: 'maybe' })).message).toMatch(/tls "maybe" must be true or false/);
  });

  it('any TLS setting turns TLS on; files go as { path }, read again by the client on each connection', () => {
    const { config } = load({ ZKIT_TLS_SERVERNAME: 'zk.example', ZKIT_TLS_CA: notPem });
    expect(config).toMatchObject({ tls: true, tlsCa: notPem, tlsServername: 'zk.example' });
    expect(connectOptions(config)).toEqual({
      tls: { ca: { path: notPem }, servername: 'zk.example' },
    });
  });

  it('takes the SASL password from its file (one trailing line end dropped), read for each connection', () => {
    const { config } = load(conf({ sasl_user: 'svc', sasl_password_file: passwordFile }));
    expect(config).toMatchObject({ saslUser: 'svc', saslPasswordFile: passwordFile, tls: false });
    expect(connectOptions(config)).toEqual({
      sasl: { username: 'svc', password: PASSWORD },
    });
    writeFileSync(passwordFile, 'rotated-pw\n');
    try {
      expect(connectOptions(config).sasl?.password).toBe('rotated-pw');
    } finally {
      writeFileSync(passwordFile, `${PASSWORD}\n`);
    }
  });

  it('shows file paths only as module conf (pm2 show, pm2 conf): never a secret', () => {
    const { config } = load({
      ...conf({ sasl_user: 'svc', sasl_password_file: passwordFile }),
      ZKIT_TLS_CA: notPem,
    });
    const shown = JSON.stringify(moduleConfOf(config));
    expect(shown).toContain(passwordFile);
    expect(shown).toContain(notPem);
    expect(shown).not.toContain(PASSWORD);
  });

  it('ignores the secrets-in-env variables of the zkit CLI, which the shell that started PM2 may hold', () => {
    const { config } = load({ ZKIT_SASL_PASSWORD: PASSWORD, ZKIT_TLS_PASSPHRASE: PASSPHRASE });
    expect(connectOptions(config)).toEqual({});
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
  });

  it.each([
    [conf({ sasl_password: PASSWORD }), /sasl_password is refused: `pm2 conf` prints it.*sasl_password_file/],
    [conf({ tls_passphrase: PASSPHRASE }), /tls_passphrase is refused.*tls_passphrase_file/],
    [{ ZKIT_TLS_CERT: notPem }, /tls_cert needs tls_key too/],
    [{ ZKIT_TLS_KEY: notPem }, /tls_key needs tls_cert too/],
    [{ ZKIT_TLS_PASSPHRASE_FILE: passphraseFile }, /tls_passphrase_file needs tls_key/],
    [{ ZKIT_SASL_USER: 'svc' }, /SASL user "svc" needs sasl_password_file/],
    [{ ZKIT_SASL_PASSWORD_FILE: passwordFile }, /sasl_password_file gives a SASL password but sasl_user/],
    [
      { ZKIT_SASL_USER: 'svc', ZKIT_SASL_PASSWORD_FILE: emptyFile },
      /sasl_password_file .*: the file is empty/,
    ],
    [
      { ZKIT_SASL_USER: 'svc', ZKIT_SASL_PASSWORD_FILE: join(dir, 'missing') },
      /sasl_password_file .*missing: cannot read the file \(ENOENT\)/,
    ],
    [{ ZKIT_TLS_CA: join(dir, 'missing.pem') }, /tls_ca .*missing\.pem: cannot read the file \(ENOENT\)/],
    [
      { ZKIT_TLS_CERT: notPem, ZKIT_TLS_KEY: notPem },
      /the TLS files \(tls_ca, tls_cert, tls_key, tls_passphrase_file\) cannot be loaded/,
    ],
    [
      { ZKIT_TLS_CERT: notPem, ZKIT_TLS_KEY: notPem, ZKIT_TLS_PASSPHRASE_FILE: passphraseFile },
      /the TLS files .* cannot be loaded/,
    ],
  ])('refuses %o with INVALID_CONFIG, echoing no secret', (env, message) => {
    expect(refusal(env).message).toMatch(message);
  });
});
