/**
 * Where the worker's entry file is. Built (`dist`), it is the one-file bundle of main.js and everything it imports
 * (scripts/bundle.mjs): one file to read and compile instead of a module graph. Under a TypeScript loader (vitest,
 * tsx) this module is itself `.ts` and so is the entry, main.ts; the caller decides how to start a `.ts` entry.
 */
export function workerEntryUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('./main.ts', import.meta.url)
    : new URL('./worker.bundle.cjs', import.meta.url);
}
