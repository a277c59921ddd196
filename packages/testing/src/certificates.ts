import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestingError } from './errors.js';

/*
 * Throwaway X.509 material for TLS tests, made per run with the `openssl` command line tool (keys by node's
 * crypto). Nothing here is hand-rolled ASN.1: openssl signs, node generates keys. EC P-256 keys keep a run's five
 * keys cheap on a small machine; ZooKeeper's PEM keystore, Java 17 and node's tls all take them.
 *
 *   ca ──signs──> server (SAN localhost, 127.0.0.1), client (CN=zkit-client), otherClient (CN=zkit-other-client)
 *   wrongCa (unrelated; signs nothing the servers trust)
 */

/** A PEM certificate with its unencrypted PKCS#8 private key, as strings and as files (key file mode 0600). */
export interface CertificateFiles {
  /** PEM `CERTIFICATE`. */
  readonly cert: string;
  /** PEM `PRIVATE KEY` (PKCS#8, unencrypted). Never log it. */
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A certificate authority: give `cert`/`certFile` to clients as `ca`; `issueClientCertificate` signs with it. */
export interface CertificateAuthority extends CertificateFiles {
  /** Its subject's CN. */
  readonly cn: string;
  /** Where `issueClientCertificate` writes certificates it signs unless told otherwise. */
  readonly dir: string;
}

/** A client certificate; with mutual TLS the server gives its session the identity `x509:CN=<cn>`. */
export interface ClientCertificate extends CertificateFiles {
  readonly cn: string;
}

/** The server's certificate; `keyStoreFile` is key + certificate + CA in one PEM file, ZooKeeper's `ssl.keyStore`. */
export interface ServerCertificate extends CertificateFiles {
  readonly keyStoreFile: string;
}

/** Everything `makeTestCertificates` made; all files are under `dir`. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA the servers trust (their `ssl.trustStore`) and whose certificate clients should trust. */
  readonly ca: CertificateAuthority;
  /** What every server presents: CN=localhost, SAN DNS:localhost and IP:127.0.0.1. */
  readonly server: ServerCertificate;
  /** Signed by `ca`; CN `zkit-client` unless told. */
  readonly client: ClientCertificate;
  /** Signed by `ca` too, another CN (`zkit-other-client`): for x509 ACLs that allow one client and not another. */
  readonly otherClient: ClientCertificate;
  /** A CA unrelated to the servers: a client trusting only it refuses the server (and vice versa). */
  readonly wrongCa: CertificateAuthority;
  /** `{ ca, cert, key }` PEM strings for `client`, ready for node's `tls.connect` or zkit's `tls` option. */
  readonly clientOptions: { readonly ca: string; readonly cert: string; readonly key: string };
}

export interface TestCertificateOptions {
  /**
   * CN of `client`.
   * @default 'zkit-client'
   */
  clientCn?: string;
  /**
   * CN of `otherClient`.
   * @default 'zkit-other-client'
   */
  otherClientCn?: string;
  /**
   * Validity of every certificate, in days from now.
   * @default 2
   */
  days?: number;
  /** Environment for finding `openssl` (PATH). @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface IssueOptions {
  /**
   * Directory for `<name>.crt` and `<name>.key`.
   * @default the CA's `dir`
   */
  dir?: string;
  /**
   * File name stem.
   * @default `client-<cn>-<random>`
   */
  name?: string;
  /** @default 2 */
  days?: number;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_DAYS = 2;
const run = promisify(execFile);

/**
 * Makes a CA, a server certificate, two client certificates and an unrelated CA under `dir` (created if
 * missing). Rejects with `TestingError` 'OPENSSL_UNAVAILABLE' when there is no `openssl`, 'CERTIFICATE_FAILED'
 * when it fails. The caller owns `dir` (the local provider removes it with the servers).
 */
export async function makeTestCertificates(
  dir: string,
  options: TestCertificateOptions = {},
): Promise<TestCertificates> {
  const { clientCn = 'zkit-client', otherClientCn = 'zkit-other-client', days = DEFAULT_DAYS } = options;
  const env = options.env ?? process.env;
  validateCn(clientCn);
  validateCn(otherClientCn);
  await mkdir(dir, { recursive: true });
  const [ca, wrongCa] = await Promise.all([
    makeAuthority(dir, { cn: 'zkit-test-ca', name: 'ca', days, env }),
    makeAuthority(dir, { cn: 'zkit-wrong-ca', name: 'wrong-ca', days, env }),
  ]);
  const [server, client, otherClient] = await Promise.all([
    issueServerCertificate(ca, { days, env }),
    issueClientCertificate(ca, clientCn, { name: 'client', days, env }),
    issueClientCertificate(ca, otherClientCn, { name: 'other-client', days, env }),
  ]);
  const clientOptions = { ca: ca.cert, cert: client.cert, key: client.key };
  return { dir, ca, server, client, otherClient, wrongCa, clientOptions };
}

/** Signs a new client certificate (CN=`cn`) with `ca`, e.g. to rotate a client's certificate mid-test. */
export async function issueClientCertificate(
  ca: CertificateAuthority,
  cn: string,
  options: IssueOptions = {},
): Promise<ClientCertificate> {
  validateCn(cn);
  const name = options.name ?? `client-${cn.replace(/[^\w.-]/g, '_')}-${randomBytes(4).toString('hex')}`;
  const files = await issue(ca, {
    dir: options.dir ?? ca.dir,
    name,
    subject: `/CN=${cn}`,
    extensions: [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth',
    ],
    days: options.days ?? DEFAULT_DAYS,
    env: options.env ?? process.env,
  });
  return { ...files, cn };
}

async function issueServerCertificate(
  ca: CertificateAuthority,
  options: { days: number; env: NodeJS.ProcessEnv },
): Promise<ServerCertificate> {
  const files = await issue(ca, {
    dir: ca.dir,
    name: 'server',
    subject: '/CN=localhost',
    extensions: [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      // clientAuth too: ZooKeeper's X509Util checks the same key material for quorum TLS, should anyone add it.
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    ...options,
  });
  // ZooKeeper's PEM keystore (ssl.keyStore.type=PEM) reads the key and the certificate chain from one file.
  // The chain ends with the CA, as in the measured setup: a client trusting another CA then fails with
  // SELF_SIGNED_CERT_IN_CHAIN.
  const keyStoreFile = join(ca.dir, 'server-keystore.pem');
  await writeFile(keyStoreFile, `${files.key}${files.cert}${ca.cert}`, { mode: 0o600 });
  return { ...files, keyStoreFile };
}

interface AuthoritySpec {
  readonly cn: string;
  readonly name: string;
  readonly days: number;
  readonly env: NodeJS.ProcessEnv;
}

/** A self-signed CA: a CSR self-signed by `openssl x509 -req -signkey`, with exactly our extensions. */
async function makeAuthority(dir: string, spec: AuthoritySpec): Promise<CertificateAuthority> {
  const extensions = [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
  ];
  const self: LeafSpec = { ...spec, dir, subject: `/CN=${spec.cn}`, extensions };
  const files = await signed(self, (keyFile) => ['-signkey', keyFile]);
  return { ...files, cn: spec.cn, dir };
}

interface LeafSpec {
  readonly dir: string;
  readonly name: string;
  readonly subject: string;
  readonly extensions: readonly string[];
  readonly days: number;
  readonly env: NodeJS.ProcessEnv;
}

async function issue(ca: CertificateAuthority, spec: LeafSpec): Promise<CertificateFiles> {
  // Checked first: issuing into a dir that stop() removed would otherwise re-create it, untracked.
  if (!existsSync(ca.keyFile)) {
    throw new TestingError(
      'CERTIFICATE_FAILED',
      `The key of CA ${ca.cn} is gone (${ca.keyFile}): its handle was stopped, or its dir removed`,
    );
  }
  await mkdir(spec.dir, { recursive: true });
  const extensions = [...spec.extensions, 'authorityKeyIdentifier=keyid'];
  return signed({ ...spec, extensions }, () => ['-CA', ca.certFile, '-CAkey', ca.keyFile]);
}

/**
 * A new key and a certificate for it: a CSR for `spec.subject`, signed with `signer`'s flags (`-signkey` for a
 * self-signed CA, `-CA`/`-CAkey` for one it issues) and exactly `spec.extensions`.
 */
async function signed(spec: LeafSpec, signer: (keyFile: string) => string[]): Promise<CertificateFiles> {
  const keyFile = join(spec.dir, `${spec.name}.key`);
  const certFile = join(spec.dir, `${spec.name}.crt`);
  const key = await writeKey(keyFile);
  const work = await scratch(spec.dir, spec.name);
  try {
    await openssl(spec.env, ['req', '-new', '-key', keyFile, '-subj', spec.subject, '-out', work.csr]);
    await writeFile(work.ext, [...spec.extensions, ''].join('\n'));
    const days = ['-days', String(spec.days), '-sha256', '-set_serial', serial()];
    await openssl(spec.env, [
      'x509',
      '-req',
      '-in',
      work.csr,
      ...signer(keyFile),
      ...days,
      '-extfile',
      work.ext,
      '-out',
      certFile,
    ]);
  } finally {
    await rm(work.dir, { recursive: true, force: true });
  }
  return { cert: await readText(certFile), key, certFile, keyFile };
}

/** A fresh EC P-256 key as unencrypted PKCS#8 PEM, written owner-readable only. */
async function writeKey(file: string): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFile(file, pem, { mode: 0o600 });
  return pem;
}

/** A scratch dir for the CSR and extension file of one certificate (names unique among parallel issues). */
async function scratch(dir: string, name: string): Promise<{ dir: string; csr: string; ext: string }> {
  const work = join(dir, `.${name}-${randomBytes(4).toString('hex')}`);
  await mkdir(work);
  return { dir: work, csr: join(work, 'req.csr'), ext: join(work, 'req.ext') };
}

/** A random positive 64-bit serial: two certificates of one CA never share one. */
function serial(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return `0x${bytes.toString('hex')}`;
}

function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** CNs go into `-subj /CN=...`, where `/`, `=`, `+` and `\` have meaning: keep them out. */
function validateCn(cn: string): void {
  if (typeof cn !== 'string' || !/^[\w .@-]{1,64}$/.test(cn)) {
    throw new TestingError(
      'INVALID_OPTIONS',
      `A certificate CN must be 1-64 letters, digits, spaces or '_.@-', not ${JSON.stringify(cn)}`,
    );
  }
}

/** Runs openssl; its stderr (which never holds key material: keys are only read from files) explains failures. */
async function openssl(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args], { env, timeout: 30_000 });
  } catch (error) {
    throw opensslError(error, args[0] ?? '');
  }
}

function opensslError(error: unknown, command: string): TestingError {
  const failure = error as NodeJS.ErrnoException & { stderr?: string };
  if (failure.code === 'ENOENT') {
    return new TestingError(
      'OPENSSL_UNAVAILABLE',
      'TLS test certificates need the openssl command line tool on PATH (Debian/Ubuntu: apt-get install -y openssl)',
      { cause: error },
    );
  }
  const stderr = (failure.stderr ?? '').trim().split('\n').slice(0, 5).join('\n');
  return new TestingError('CERTIFICATE_FAILED', `openssl ${command} failed: ${stderr || failure.message}`, {
    cause: error,
  });
}

/** Whether `openssl` can be run with `env`'s PATH (a provider says so before starting anything). */
export async function hasOpenssl(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  try {
    await run('openssl', ['version'], { env, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
