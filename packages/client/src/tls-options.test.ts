import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificates } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { checkTls, describeTls } from './tls-options.js';

/** The run's test certificates (@zkit/testing), and the client key once more, encrypted with PASSPHRASE. */
let dir: string;
let files: Record<string, string>;
const PASSPHRASE = 'hunter2-passphrase';
const file = (name: string) => files[name] ?? join(dir, name);
const text = (name: string) => readFileSync(file(name), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkit-tls-options-'));
  const { client, otherClient } = await makeTestCertificates(dir);
  const encrypted = createPrivateKey(client.key)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE })
    .toString();
  writeFileSync(join(dir, 'encrypted.key'), encrypted);
  files = {
    'client.crt': client.certFile,
    'client.key': client.keyFile,
    'other.crt': otherClient.certFile,
    'other.key': otherClient.keyFile,
  };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function invalid(value: unknown) {
  try {
    checkTls(value);
  } catch (error) {
    expect(error).toMatchObject({ code: 'INVALID_OPTION', name: 'InvalidInputError' });
    return (error as Error).message;
  }
  throw new Error('expected INVALID_OPTION');
}

describe('checkTls', () => {
  it('is off by default and for false; true is TLS with node default CAs', () => {
    expect(checkTls(undefined)).toBeUndefined();
    expect(checkTls(false)).toBeUndefined();
    expect(checkTls(true)).toEqual({});
    expect(resolveOptions('h:2281', { tls: true }).tls).toEqual({});
    expect(resolveOptions('h:2281').tls).toBeUndefined();
  });

  it("takes PEM text (it holds '-----BEGIN') as contents and any other string as a file path", () => {
    const config = checkTls({
      ca: text('client.crt'),
      cert: file('client.crt'),
      key: { path: file('client.key') },
    });
    expect(config).toEqual({
      ca: [{ data: text('client.crt') }],
      cert: [{ path: file('client.crt') }],
      key: [{ path: file('client.key') }],
    });
  });

  it('copies Buffers into plain Uint8Arrays, which cross to the worker as they are', () => {
    const config = checkTls({
      cert: readFileSync(file('client.crt')),
      key: readFileSync(file('client.key')),
    });
    const key = config?.key?.[0];
    expect(key && 'data' in key && key.data.constructor).toBe(Uint8Array);
    expect(structuredClone(config)).toEqual(config);
  });

  it('takes lists, the passphrase of an encrypted key, and the scalar options', () => {
    const config = checkTls({
      ca: [file('client.crt'), file('other.crt')],
      cert: file('client.crt'),
      key: file('encrypted.key'),
      passphrase: PASSPHRASE,
      servername: 'zk.internal',
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
    expect(config?.ca).toHaveLength(2);
    expect(config).toMatchObject({
      servername: 'zk.internal',
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    });
  });

  it.each([
    ['a number', 42],
    ['an unknown option (a typo)', { certificate: 'x' }],
    ['an empty list', { ca: [] }],
    ['a bad version', { minVersion: 'TLSv1' }],
    ['a non-boolean rejectUnauthorized', { rejectUnauthorized: 'no' }],
    ['a number as a certificate', { ca: 7 }],
  ])('refuses %s with INVALID_OPTION', (_, value) => {
    invalid(value);
  });

  it('refuses a client certificate without its key, and a key without its certificate', () => {
    expect(invalid({ cert: file('client.crt') })).toContain('tls.key');
    expect(invalid({ key: file('client.key') })).toContain('tls.cert');
  });

  it('refuses a string that is neither PEM nor a readable file, without echoing it', () => {
    const secretish = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
    const message = invalid({ ca: secretish });
    expect(message).toContain('tls.ca');
    expect(message).not.toContain(secretish);
  });

  it('names a missing { path }', () => {
    expect(invalid({ ca: { path: '/nonexistent/ca.crt' } })).toContain('/nonexistent/ca.crt');
  });

  it('refuses a key that does not match, or a wrong passphrase, at once, without echoing secrets', () => {
    invalid({ cert: file('client.crt'), key: file('other.key') });
    const message = invalid({
      cert: file('client.crt'),
      key: file('encrypted.key'),
      passphrase: 'wrong-one',
    });
    expect(message).not.toContain('wrong-one');
    expect(message).not.toContain(PASSPHRASE);
  });
});

describe('describeTls', () => {
  it('shows paths and which fields are set, never PEM, key bytes or the passphrase', () => {
    const config = checkTls({
      ca: file('client.crt'),
      cert: text('client.crt'),
      key: readFileSync(file('encrypted.key')),
      passphrase: PASSPHRASE,
    });
    const shown = JSON.stringify(describeTls(config));
    expect(shown).toContain(file('client.crt'));
    expect(shown).toContain('(inline)');
    expect(shown).toContain('(set)');
    expect(shown).not.toContain('BEGIN');
    expect(shown).not.toContain(PASSPHRASE);
  });
});
