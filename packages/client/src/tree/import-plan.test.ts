import { describe, expect, it } from 'vitest';
import { planImport } from './import-plan.js';
import { parseTree } from './parse-tree.js';
import type { TreeNode } from './tree-model.js';

function node(name: string, parts: Partial<TreeNode> = {}): TreeNode {
  return { name, properties: {}, links: {}, children: [], version: 0, ...parts };
}

const EMPTY = { added: [], changed: [], links: [], trimmed: [], skipped: [], extra: [] };

describe('planImport', () => {
  it('adds every node of a text into an empty root, parents before children, zookeeper left alone', () => {
    const desired = parseTree('/cms : z4m\n  threads = 3\n  /providers\n  /databases\n    /main\n/lb\n');
    const existing = node('', { children: [node('zookeeper', { children: [node('quota')] })] });
    expect(planImport(desired, existing)).toEqual({
      ...EMPTY,
      added: ['/cms', '/cms/databases', '/cms/databases/main', '/cms/providers', '/lb'],
    });
  });

  it('leaves /zookeeper alone even when the text names it, but not a zookeeper node elsewhere', () => {
    const desired = parseTree('/zookeeper\n  x = 1\n  /quota\n');
    expect(planImport(desired, node(''))).toEqual(EMPTY);
    expect(planImport(desired, undefined, { path: '/backup' }).added).toEqual([
      '/backup/zookeeper',
      '/backup/zookeeper/quota',
    ]);
  });

  it('adds everything when the import path does not exist yet, under that path', () => {
    expect(planImport(parseTree('/a\n  /b\n'), undefined, { path: '/apps/x' })).toEqual({
      ...EMPTY,
      added: ['/apps/x/a', '/apps/x/a/b'],
    });
  });

  it('plans nothing when the server already holds the text, whatever the key order', () => {
    const desired = parseTree('/a : t\n  x = {"p": 1, "q": [1, 2]}\n  l -> /b\n  pl => /b y\n');
    const existing = node('', {
      children: [
        node('a', {
          properties: { x: { q: [1, 2], p: 1 }, type: 't' },
          links: { l: '/b' },
          propertyLinks: { pl: '/b y' },
        }),
      ],
    });
    expect(planImport(desired, existing)).toEqual(EMPTY);
  });

  it('reports changed properties with their old and new values, and links added, removed and re-pointed', () => {
    const desired = parseTree('/a\n  x = 2\n  y = "new"\n  keep -> /k\n  moved -> /new\n  added -> /n\n');
    const existing = node('', {
      children: [
        node('a', {
          properties: { x: 1, gone: true },
          links: { keep: '/k', moved: '/old', removed: '/r' },
        }),
      ],
    });
    expect(planImport(desired, existing)).toEqual({
      ...EMPTY,
      changed: [{ path: '/a', before: { x: 1, gone: true }, after: { x: 2, y: 'new' } }],
      links: [
        { path: '/a', name: 'added', after: '/n' },
        { path: '/a', name: 'moved', before: '/old', after: '/new' },
        { path: '/a', name: 'removed', before: '/r' },
      ],
    });
  });

  it('shows a property link change among the properties, as zc.zk stores it', () => {
    const desired = parseTree('/a\n  t => /b threads\n');
    const existing = node('', { children: [node('a', { propertyLinks: { t: '/b' } })] });
    expect(planImport(desired, existing).changed).toEqual([
      { path: '/a', before: { 't =>': '/b' }, after: { 't =>': '/b threads' } },
    ]);
  });

  it('reports extra nodes below the top level without trim, but not ephemeral ones nor top-level ones', () => {
    const desired = parseTree('/a\n  /keep\n');
    const existing = node('', {
      children: [
        node('a', {
          children: [
            node('keep'),
            node('old', { children: [node('deeper')] }),
            node('1.2.3.4:80', { ephemeral: true }),
          ],
        }),
        node('other'),
      ],
    });
    expect(planImport(desired, existing)).toEqual({ ...EMPTY, extra: ['/a/old'] });
  });

  it('trims extra persistent nodes children first, sparing ephemeral nodes, their ancestors and top-level nodes', () => {
    const desired = parseTree('/a\n  /keep\n');
    const existing = node('', {
      children: [
        node('a', {
          children: [
            node('keep'),
            node('old', { children: [node('x'), node('y', { children: [node('z')] })] }),
            node('svc', {
              children: [
                node('providers', { children: [node('h:1', { ephemeral: true }), node('stale')] }),
                node('config'),
              ],
            }),
            node('h:2', { ephemeral: true }),
          ],
        }),
        node('other'),
        node('zookeeper'),
      ],
    });
    expect(planImport(desired, existing, { trim: true })).toEqual({
      ...EMPTY,
      trimmed: ['/a/old/x', '/a/old/y/z', '/a/old/y', '/a/old', '/a/svc/config', '/a/svc/providers/stale'],
      skipped: [
        { path: '/a/h:2', reason: 'ephemeral' },
        { path: '/a/svc/providers/h:1', reason: 'ephemeral' },
        { path: '/a/svc/providers', reason: 'ephemeral descendant' },
        { path: '/a/svc', reason: 'ephemeral descendant' },
        { path: '/other', reason: 'top level' },
      ],
    });
  });

  it('never writes an ephemeral node the text names: it belongs to a session', () => {
    const desired = parseTree('/a\n  /h:1\n    pid = 1\n');
    const existing = node('', { children: [node('a', { children: [node('h:1', { ephemeral: true })] })] });
    expect(planImport(desired, existing, { trim: true })).toEqual({
      ...EMPTY,
      skipped: [{ path: '/a/h:1', reason: 'ephemeral' }],
    });
  });

  it('does not change the import path itself nor its top-level siblings when importing below the root', () => {
    const desired = parseTree('/b\n  x = 1\n');
    const existing = node('a', { properties: { mine: true }, children: [node('b'), node('c')] });
    expect(planImport(desired, existing, { path: '/a', trim: true })).toEqual({
      ...EMPTY,
      changed: [{ path: '/a/b', before: {}, after: { x: 1 } }],
      skipped: [{ path: '/a/c', reason: 'top level' }],
    });
  });
});
