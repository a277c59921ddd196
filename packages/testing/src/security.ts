import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { makeTestCertificates, type TestCertificates } from './certificates.js';
import { trackDir, untrackDir } from './cleanup.js';
import type { ResolvedTls, SaslServerOptions } from './options.js';

/** What a secure local ensemble shares across its servers and restarts: certificates, TLS shape, SASL users. */
export interface LocalSecurity {
  readonly tls?: { readonly certificates: TestCertificates; readonly options: ResolvedTls };
  readonly sasl?: SaslServerOptions;
}

/**
 * Makes the run's certificates (when TLS is asked for) in a temp dir of their own, tracked for removal at
 * exit like the servers' dirs; `releaseSecurity` removes it. SASL needs nothing here: each server writes its
 * JAAS file into its own dir.
 */
export async function prepareSecurity(options: {
  readonly tls?: ResolvedTls | undefined;
  readonly sasl?: SaslServerOptions | undefined;
  readonly env: NodeJS.ProcessEnv;
}): Promise<LocalSecurity> {
  const sasl = options.sasl === undefined ? {} : { sasl: options.sasl };
  if (options.tls === undefined) return sasl;
  const dir = await mkdtemp(join(tmpdir(), 'zkit-tls-'));
  trackDir(dir);
  try {
    const certificates = await makeTestCertificates(dir, { env: options.env });
    return { ...sasl, tls: { certificates, options: options.tls } };
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

export async function releaseSecurity(security: LocalSecurity): Promise<void> {
  if (security.tls !== undefined) await removeDir(security.tls.certificates.dir);
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  untrackDir(dir);
}

/** How the harness itself talks to TLS servers (readiness, `leader()`): as the test client, over TLS. */
export function probeTls(security: LocalSecurity): ConnectionOptions | undefined {
  return security.tls?.certificates.clientOptions;
}
