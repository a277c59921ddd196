import { zkError } from './errors.js';

/** Characters ZooKeeper's PathUtils.validatePath rejects. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const ILLEGAL_PATH_CHARS = /[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/;

/** Validates an absolute ZooKeeper path by the server's own rules; throws INVALID_PATH. */
export function validatePath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) throw invalidPath(path, 'must be a non-empty string');
  if (!path.startsWith('/')) throw invalidPath(path, "must start with '/'");
  if (path === '/') return path;
  if (path.endsWith('/')) throw invalidPath(path, "must not end with '/'");
  if (ILLEGAL_PATH_CHARS.test(path)) throw invalidPath(path, 'holds a character ZooKeeper refuses');
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') throw invalidPath(path, 'has an empty segment');
    if (segment === '.' || segment === '..') throw invalidPath(path, "has a '.' or '..' segment");
  }
  return path;
}

function invalidPath(path: unknown, why: string) {
  const shown = typeof path === 'string' ? JSON.stringify(path) : typeof path;
  return zkError('INVALID_PATH', `invalid ZooKeeper path ${shown}: ${why}`, {
    path: typeof path === 'string' ? path : undefined,
  });
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** `/a/b/c` as `['/a/b', 'c']`. */
export function splitPath(path: string): [parent: string, name: string] {
  const parent = parentOf(path);
  return [parent, path.slice(parent === '/' ? 1 : parent.length + 1)];
}

export function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}
