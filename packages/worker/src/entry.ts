/**
 * Where the worker's entry file is. Under a TypeScript loader (vitest, tsx) this module is itself `.ts` and so is
 * the entry; from `dist` both are `.js`. The caller decides how to start a `.ts` entry.
 */
export function workerEntryUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./main.${ext}`, import.meta.url);
}
