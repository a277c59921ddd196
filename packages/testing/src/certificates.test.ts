import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClientCertificate, makeTestCertificates, type TestCertificates } from './certificates.js';

let dir = '';
let certs: TestCertificates;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkit-certs-test-'));
  certs = await makeTestCertificates(join(dir, 'run'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const x509 = (pem: string): X509Certificate => new X509Certificate(pem);

describe('makeTestCertificates', () => {
  it('makes a server certificate for localhost and 127.0.0.1, signed by the CA', () => {
    const server = x509(certs.server.cert);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIssued(x509(certs.ca.cert))).toBe(true);
    expect(server.verify(x509(certs.ca.cert).publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(x509(certs.ca.cert).ca).toBe(true);
  });

  it('makes two client certificates with different CNs from the same CA, and a CA that signed none of them', () => {
    const ca = x509(certs.ca.cert);
    const wrongCa = x509(certs.wrongCa.cert);
    for (const client of [certs.client, certs.otherClient]) {
      const cert = x509(client.cert);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.verify(wrongCa.publicKey)).toBe(false);
      expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
    }
    expect(x509(certs.client.cert).subject).toBe('CN=zkit-client');
    expect(x509(certs.otherClient.cert).subject).toBe('CN=zkit-other-client');
    expect(x509(certs.server.cert).verify(wrongCa.publicKey)).toBe(false);
  });

  it('gives PEM strings equal to its files, keys readable by the owner only, and ready client options', () => {
    for (const files of [certs.ca, certs.server, certs.client, certs.otherClient, certs.wrongCa]) {
      expect(readFileSync(files.certFile, 'utf8')).toBe(files.cert);
      expect(readFileSync(files.keyFile, 'utf8')).toBe(files.key);
      expect(files.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(statSync(files.keyFile).mode & 0o077).toBe(0);
    }
    expect(readFileSync(certs.server.keyStoreFile, 'utf8')).toBe(
      `${certs.server.key}${certs.server.cert}${certs.ca.cert}`,
    );
    expect(certs.clientOptions).toEqual({
      ca: certs.ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
    });
  });

  it('takes other CNs for its clients', async () => {
    const other = await makeTestCertificates(join(dir, 'named'), {
      clientCn: 'svc-a',
      otherClientCn: 'svc-b',
    });
    expect(x509(other.client.cert).subject).toBe('CN=svc-a');
    expect(x509(other.otherClient.cert).subject).toBe('CN=svc-b');
  });

  it('rejects with OPENSSL_UNAVAILABLE when openssl is not on PATH', async () => {
    await expect(
      makeTestCertificates(join(dir, 'bare'), { env: { PATH: '/nonexistent' } }),
    ).rejects.toMatchObject({ name: 'TestingError', code: 'OPENSSL_UNAVAILABLE' });
  });

  it('rejects a CN that would change the subject with INVALID_OPTIONS', async () => {
    await expect(makeTestCertificates(join(dir, 'bad'), { clientCn: 'a/O=evil' })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });
});

describe('issueClientCertificate', () => {
  it('issues a fresh certificate from the run CA, with a new key, next to the others unless told', async () => {
    const rotated = await issueClientCertificate(certs.ca, 'zkit-client');
    expect(rotated.cn).toBe('zkit-client');
    expect(rotated.certFile.startsWith(certs.dir)).toBe(true);
    expect(x509(rotated.cert).verify(x509(certs.ca.cert).publicKey)).toBe(true);
    expect(x509(rotated.cert).serialNumber).not.toBe(x509(certs.client.cert).serialNumber);
    expect(rotated.key).not.toBe(certs.client.key);

    const elsewhere = await issueClientCertificate(certs.ca, 'svc-c', {
      dir: join(dir, 'rotated'),
      name: 'c',
    });
    expect(elsewhere.certFile).toBe(join(dir, 'rotated', 'c.crt'));
    expect(x509(elsewhere.cert).subject).toBe('CN=svc-c');
  });

  it('refuses with CERTIFICATE_FAILED once the CA is gone, re-creating nothing', async () => {
    const gone = await makeTestCertificates(join(dir, 'gone'));
    rmSync(gone.dir, { recursive: true });
    await expect(issueClientCertificate(gone.ca, 'late')).rejects.toMatchObject({
      code: 'CERTIFICATE_FAILED',
    });
    expect(existsSync(gone.dir)).toBe(false);
  });
});
