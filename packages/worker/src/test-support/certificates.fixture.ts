// Throwaway certificates for the worker's TLS unit tests, made per run with openssl: a CA, a server certificate it
// signed for localhost and 127.0.0.1, and an unrelated CA. (@zkit/testing has a fuller set, but it depends on this
// package, so the worker's own tests cannot use it.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  readonly dir: string;
  /** The path of `name` in dir: ca.crt, wrongca.crt, server.crt, server.key (and their keys). */
  path(name: string): string;
  /** The PEM text of `name`. */
  pem(name: string): string;
  remove(): void;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'zkit-worker-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const newKey = (name: string) => ['-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`];
  for (const ca of ['ca', 'wrongca']) {
    openssl('req', '-x509', ...newKey(ca), '-days', '2', '-out', `${ca}.crt`, '-subj', `/CN=${ca}`);
  }
  openssl('req', ...newKey('server'), '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const signedByCa = ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2'];
  openssl('x509', '-req', '-in', 'server.csr', ...signedByCa, '-extfile', 'server.ext', '-out', 'server.crt');
  return {
    dir,
    path: (name) => join(dir, name),
    pem: (name) => readFileSync(join(dir, name), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
