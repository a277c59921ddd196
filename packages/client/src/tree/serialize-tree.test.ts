import { InvalidInputError } from '@zkit/protocol';
import { ZC_ZK_README_TREE as README_TREE } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { parseTree } from './parse-tree.js';
import { serializeTree } from './serialize-tree.js';
import type { TreeNode } from './tree-model.js';

// zc.zk's README tree (values in JSON, from @zkit/testing), in its text order, and as an export writes it.

const README_EXPORT = `/cms : z4m cms
  threads = 3
  /databases
    /main
      /providers
  /providers
/lb : ipvs
  /pools
    /cms
      address = "1.2.3.4:80"
      providers -> /cms/providers
/retail : z4m retail
  threads = 1
  /databases
    main -> /cms/databases/main
    /ugc
      /providers
  /providers
`;

/** The tree with children sorted by name at every level: what an export gives. */
function sorted(node: TreeNode): TreeNode {
  const children = [...node.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...node, children: children.map(sorted) };
}

function node(name: string, parts: Partial<TreeNode> = {}): TreeNode {
  return { name, properties: {}, links: {}, children: [], ...parts };
}

function roundTrips(text: string): void {
  const tree = parseTree(text);
  const written = serializeTree(tree);
  expect(parseTree(written)).toEqual(sorted(tree));
  expect(serializeTree(parseTree(written))).toBe(written);
}

describe('serializeTree', () => {
  it("writes zc.zk's README tree in the export order: node, properties, links, children, each sorted", () => {
    expect(serializeTree(parseTree(README_TREE))).toBe(README_EXPORT);
  });

  it('writes properties sorted, then property links, then links, whatever order the text had', () => {
    const text = '/a : t\n  l2 -> /y\n  z = 1\n  p => ../q r\n  l1 -> x\n  b = [1,2]\n  /c\n  /B\n';
    expect(serializeTree(parseTree(text))).toBe(
      '/a : t\n  b = [1,2]\n  z = 1\n  p => ../q r\n  l1 -> x\n  l2 -> /y\n  /B\n  /c\n',
    );
  });

  it.each([
    ['the README tree', README_TREE],
    ['the README property link', '/cms\n  threads => /fooservice threads\n  port => ../lb\n'],
    [
      'every kind of JSON value',
      '/a\n  n = -1.5e+300\n  s = "q\\"uote # not a comment\\n"\n  u = "é ☃ 😀"\n  o = {"a": [1, {"b": null}], "": true}\n  e = []\n  f = {}\n',
    ],
    [
      'names with colons, dashes and #',
      '/host:8080 : svc\n  max-threads = 2\n  a#b = 1\n  /x: : t\n  /c#d\n',
    ],
    ['a property named __proto__', '/a\n  __proto__ = {"x": 1}\n'],
    ['relative and dotted links', '/a\n  up -> ..\n  here -> .\n  sib -> ../b/c\n  root -> /\n'],
  ])('round trips %s: parse, serialize, parse gives the same tree', (_, text) => {
    roundTrips(text);
  });

  it('writes a type it cannot put after ":" as a property, which reads back the same', () => {
    for (const type of [' padded', '#hash', 'a #b', 42, { nested: true }]) {
      const tree = node('', { children: [node('a', { properties: { type } })] });
      expect(parseTree(serializeTree(tree))).toEqual(tree);
    }
    expect(serializeTree(node('', { children: [node('a', { properties: { type: 42 } })] }))).toBe(
      '/a\n  type = 42\n',
    );
  });

  it('writes a named root as the top line (an export of one subtree), and nothing for an empty tree', () => {
    const tree = node('cms', { properties: { threads: 3 }, children: [node('providers')] });
    expect(serializeTree(tree)).toBe('/cms\n  threads = 3\n  /providers\n');
    expect(serializeTree(node(''))).toBe('');
  });

  it('writes ephemeral nodes (an export with ephemeral) like any other; versions are not written', () => {
    const tree = node('', { version: 3, children: [node('a', { ephemeral: true, version: 7 })] });
    expect(serializeTree(tree)).toBe('/a\n');
  });

  it.each([
    [
      'a node name with a blank',
      node('', { children: [node('a b')] }),
      '/a b',
      'a node name cannot contain blanks',
    ],
    [
      'a node named ..',
      node('', { children: [node('x', { children: [node('..')] })] }),
      '/x/..',
      "named '..'",
    ],
    ['a property name with a blank', node('a', { properties: { 'x y': 1 } }), '/a', '"x y": a name cannot'],
    ['a property name with =', node('a', { properties: { 'x=y': 1 } }), '/a', "cannot contain '=' or '->'"],
    [
      'a property name starting with /',
      node('a', { properties: { '/x': 1 } }),
      '/a',
      "cannot start with '/'",
    ],
    [
      'a property name starting with #',
      node('a', { properties: { '#x': 1 } }),
      '/a',
      "cannot start with '#'",
    ],
    ['a link name with ->', node('a', { links: { 'x->': '/b' } }), '/a', "cannot contain '=' or '->'"],
    ['a link target with a blank', node('a', { links: { x: '/b c' } }), '/a', 'cannot contain blanks'],
    ['an empty link target', node('a', { links: { x: '' } }), '/a', 'a link target cannot be empty'],
    ['a bad property link', node('a', { propertyLinks: { x: '/b c d' } }), '/a', 'a property link is PATH'],
    [
      'a number JSON cannot hold',
      node('a', { properties: { x: Number.NaN } }),
      '/a',
      'x is not a JSON value',
    ],
    ['the root with properties', node('', { properties: { x: 1 } }), '/', 'the root has properties'],
  ])('refuses %s rather than write what would not read back', (_, tree, path, why) => {
    let thrown: unknown;
    try {
      serializeTree(tree);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({ code: 'INVALID_DATA', path });
    expect((thrown as Error).message).toContain(`cannot write ${path} in the tree format`);
    expect((thrown as Error).message).toContain(why);
  });
});
