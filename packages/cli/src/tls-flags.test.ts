import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from './exit-codes.js';
import { addTlsFlags, type TlsFlags, tlsOptions } from './tls-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'zkit-cli-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

// Not real PEM: the CLI only checks the files can be read; the client loads them (and says INVALID_OPTION).
const ca = file('ca.pem', 'ca');
const cert = file('client.pem', 'cert');
const key = file('client-key.pem', 'key');
const missing = join(dir, 'missing.pem');

/** The global flags as commander parses them from a command line. */
function parse(args: readonly string[]): TlsFlags {
  return addTlsFlags(new Command().exitOverride()).parse(args, { from: 'user' }).opts<TlsFlags>();
}

describe('TLS flags', () => {
  it('are plain TCP when nothing asks for TLS', () => {
    expect(tlsOptions(parse([]), {})).toBeUndefined();
    expect(tlsOptions(parse([]), { ZKIT_TLS: '0' })).toBeUndefined();
    expect(tlsOptions(parse([]), { ZKIT_TLS: '' })).toBeUndefined();
  });

  it('--tls or ZKIT_TLS=1 alone is TLS with the system CAs', () => {
    expect(tlsOptions(parse(['--tls']), {})).toEqual({});
    expect(tlsOptions(parse([]), { ZKIT_TLS: '1' })).toEqual({});
    expect(tlsOptions(parse([]), { ZKIT_TLS: 'true' })).toEqual({});
    expect(() => tlsOptions(parse([]), { ZKIT_TLS: 'maybe' })).toThrow(/ZKIT_TLS=maybe: expected 1 or 0/);
  });

  it('--tls-ca, --tls-cert, --tls-key imply TLS and pass paths, read again by the client on each connection', () => {
    const flags = parse([
      '--tls-ca',
      ca,
      '--tls-cert',
      cert,
      '--tls-key',
      key,
      '--tls-servername',
      'zk.example',
    ]);
    expect(tlsOptions(flags, {})).toEqual({
      ca: { path: ca },
      cert: { path: cert },
      key: { path: key },
      servername: 'zk.example',
    });
    expect(tlsOptions(parse(['--tls-ca', ca]), {})).toEqual({ ca: { path: ca } });
  });

  it('reads ZKIT_TLS_* when the flag is not given; a flag wins over its variable', () => {
    const env = { ZKIT_TLS_CA: ca, ZKIT_TLS_CERT: cert, ZKIT_TLS_KEY: key, ZKIT_TLS_SERVERNAME: 'a' };
    expect(tlsOptions(parse([]), env)).toEqual({
      ca: { path: ca },
      cert: { path: cert },
      key: { path: key },
      servername: 'a',
    });
    expect(tlsOptions(parse(['--tls-servername', 'b']), env)).toMatchObject({ servername: 'b' });
    expect(tlsOptions(parse([]), { ZKIT_TLS_CA: '' })).toBeUndefined();
  });

  it('--no-tls is plain TCP whatever the variables say, and refuses TLS flags', () => {
    expect(tlsOptions(parse(['--no-tls']), { ZKIT_TLS: '1', ZKIT_TLS_CA: ca })).toBeUndefined();
    expect(() => tlsOptions(parse(['--no-tls', '--tls-ca', ca]), {})).toThrow(
      /--no-tls contradicts --tls-ca/,
    );
  });

  it('a certificate needs its key and a key its certificate', () => {
    expect(() => tlsOptions(parse(['--tls-cert', cert]), {})).toThrow(UsageError);
    expect(() => tlsOptions(parse(['--tls-key', key]), {})).toThrow(/--tls-key needs the certificate/);
    expect(() => tlsOptions(parse([]), { ZKIT_TLS_CERT: cert })).toThrow(/ZKIT_TLS_CERT needs the key/);
  });

  it('an unreadable file is a usage error naming the flag or variable and the file', () => {
    expect(() => tlsOptions(parse(['--tls-ca', missing]), {})).toThrow(
      `--tls-ca ${missing}: cannot read the file (ENOENT)`,
    );
    expect(() => tlsOptions(parse([]), { ZKIT_TLS_CA: missing })).toThrow(`ZKIT_TLS_CA ${missing}`);
  });

  it("takes the key's passphrase from a file or ZKIT_TLS_PASSPHRASE, never echoing it", () => {
    const secret = file('passphrase', 'open sesame\n');
    const flags = parse(['--tls-cert', cert, '--tls-key', key, '--tls-passphrase-file', secret]);
    expect(tlsOptions(flags, {})).toMatchObject({ passphrase: 'open sesame' });
    expect(
      tlsOptions(parse(['--tls-cert', cert, '--tls-key', key]), { ZKIT_TLS_PASSPHRASE: 'env pp' }),
    ).toMatchObject({ passphrase: 'env pp' });
    const refused = () => tlsOptions(parse(['--tls-ca', ca, '--tls-passphrase-file', secret]), {});
    expect(refused).toThrow(UsageError);
    expect(refused).toThrow(/passphrase needs --tls-key/);
    expect(refused).not.toThrow(/open sesame/);
  });
});
