import { describe, expect, it } from 'vitest';
import { normalizePath, type ResolveRead, resolvePath } from './links.js';
import type { JsonObject } from './messages.js';

/** A reader over a map of path -> properties, counting its reads. */
function tree(nodes: Record<string, JsonObject>) {
  const reads: string[] = [];
  const read = async (path: string): Promise<ResolveRead> => {
    reads.push(path);
    const properties = nodes[path];
    return properties === undefined ? { exists: false, properties: {} } : { exists: true, properties };
  };
  return { read, reads };
}

// zc.zk's README tree, with the links of its resolve tests.
const readme = {
  '/': {},
  '/cms': { threads: 3 },
  '/cms/providers': {},
  '/cms/databases': {},
  '/cms/databases/main': {},
  '/cms/databases/main/providers': {},
  '/retail': { threads: 1 },
  '/retail/providers': {},
  '/retail/databases': { 'main ->': '/cms/databases/main' },
  '/retail/databases/ugc': {},
  '/lb': {},
  '/lb/pools': {},
  '/lb/pools/cms': { address: '1.2.3.4:80', 'providers ->': '/cms/providers' },
};

describe('normalizePath', () => {
  it('works out . and ..', () => {
    expect(normalizePath('/a/./b/../c')).toBe('/a/c');
    expect(normalizePath('/..')).toBe('/');
    expect(normalizePath('/a/b/..')).toBe('/a');
    expect(normalizePath('/')).toBe('/');
  });

  it('refuses what is no absolute path', () => {
    expect(() => normalizePath('a/b')).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
    expect(() => normalizePath('/a//b')).not.toThrow();
    expect(() => normalizePath('/a/\u0000')).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });
});

describe('resolvePath', () => {
  it('returns a path that exists after one read', async () => {
    const { read, reads } = tree(readme);
    await expect(resolvePath(read, '/cms/databases/main')).resolves.toBe('/cms/databases/main');
    expect(reads).toEqual(['/cms/databases/main']);
  });

  it('normalizes . and .. first', async () => {
    const { read } = tree(readme);
    await expect(resolvePath(read, '/retail/../cms/./providers')).resolves.toBe('/cms/providers');
  });

  it('follows a link, and paths below it', async () => {
    const { read } = tree(readme);
    await expect(resolvePath(read, '/retail/databases/main')).resolves.toBe('/cms/databases/main');
    await expect(resolvePath(read, '/retail/databases/main/providers')).resolves.toBe(
      '/cms/databases/main/providers',
    );
    await expect(resolvePath(read, '/lb/pools/cms/providers')).resolves.toBe('/cms/providers');
  });

  it('follows a relative target from the link’s node, with ..', async () => {
    const { read } = tree({
      '/': {},
      '/a': { 'up ->': '..', 'sib ->': '../b', 'here ->': 'c/./d' },
      '/a/c': {},
      '/a/c/d': {},
      '/b': {},
    });
    await expect(resolvePath(read, '/a/sib')).resolves.toBe('/b');
    await expect(resolvePath(read, '/a/here')).resolves.toBe('/a/c/d');
    await expect(resolvePath(read, '/a/up')).resolves.toBe('/');
    await expect(resolvePath(read, '/a/up/a/sib')).resolves.toBe('/b');
  });

  it('follows links to links', async () => {
    const { read } = tree({ '/': { 'a ->': '/b', 'b ->': '/c' }, '/c': {} });
    await expect(resolvePath(read, '/a')).resolves.toBe('/c');
  });

  it('lets a real child shadow a link of the same name', async () => {
    const { read } = tree({
      '/': {},
      '/x': { 'main ->': '/y' },
      '/x/main': { real: true },
      '/y': {},
    });
    await expect(resolvePath(read, '/x/main')).resolves.toBe('/x/main');
  });

  it('lets a real child of the target shadow a link of the target', async () => {
    const { read } = tree({
      '/': { 'l ->': '/t' },
      '/t': { 'c ->': '/elsewhere' },
      '/t/c': {},
    });
    await expect(resolvePath(read, '/l/c')).resolves.toBe('/t/c');
  });

  it('rejects NO_NODE when nothing is there, naming the missing node', async () => {
    const { read } = tree(readme);
    await expect(resolvePath(read, '/retail/databases/nope')).rejects.toMatchObject({
      code: 'NO_NODE',
      path: '/retail/databases/nope',
    });
    await expect(resolvePath(read, '/nope/deeper')).rejects.toMatchObject({ code: 'NO_NODE' });
  });

  it('rejects NO_NODE for a link to nothing', async () => {
    const { read } = tree({ '/': { 'dangling ->': '/gone' } });
    await expect(resolvePath(read, '/dangling')).rejects.toMatchObject({
      code: 'NO_NODE',
      path: '/dangling',
    });
  });

  it('reads a "name ->" property that is no string as no link', async () => {
    const { read } = tree({ '/': { 'odd ->': 3 } });
    await expect(resolvePath(read, '/odd')).rejects.toMatchObject({ code: 'NO_NODE' });
  });

  it('rejects INVALID_PATH for a loop, showing it', async () => {
    const { read } = tree({ '/': { 'a ->': '/b', 'b ->': '/a' } });
    await expect(resolvePath(read, '/a')).rejects.toMatchObject({
      code: 'INVALID_PATH',
      message: expect.stringContaining('/a -> /b -> /a'),
    });
  });

  it('rejects INVALID_PATH for a link to itself and for one into itself', async () => {
    const self = tree({ '/': { 's ->': '/s' } });
    await expect(resolvePath(self.read, '/s')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    const into = tree({ '/': {}, '/n': { 'x ->': 'x/y' } });
    await expect(resolvePath(into.read, '/n/x')).rejects.toMatchObject({ code: 'INVALID_PATH' });
  });

  it('is no loop to go through one link twice on different steps', async () => {
    // /r/l is /r: /r/l/l is /r too (zc.zk resolves it the same way).
    const { read } = tree({ '/': {}, '/r': { 'l ->': '/r' } });
    await expect(resolvePath(read, '/r/l/l')).resolves.toBe('/r');
  });
});
