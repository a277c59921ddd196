import { createRequire } from 'node:module';

/**
 * The node-zookeeper-client version every patch in nzc/ was written against and tested with (its real code, in the
 * tests beside each file). The worker pins it exactly (package.json); a patch meets any other version only through
 * an override, and then stands aside (each says how the worker copes without it).
 */
export const PATCHED_VERSION = '1.1.3';

/** Whether the installed library is PATCHED_VERSION (read from its package.json). */
export function isPatchedVersion(): boolean {
  return libraryVersion() === PATCHED_VERSION;
}

function libraryVersion(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url)('node-zookeeper-client/package.json') as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
