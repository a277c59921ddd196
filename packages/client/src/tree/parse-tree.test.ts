import { InvalidInputError } from '@zkit/protocol';
import { ZC_ZK_README_TREE } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { parseTree } from './parse-tree.js';
import type { TreeNode } from './tree-model.js';

function node(name: string, parts: Partial<TreeNode> = {}): TreeNode {
  return { name, properties: {}, links: {}, children: [], ...parts };
}

describe('parseTree', () => {
  it("reads zc.zk's README tree (values in JSON), children in text order", () => {
    const text = ZC_ZK_README_TREE;
    expect(parseTree(text)).toEqual(
      node('', {
        children: [
          node('lb', {
            properties: { type: 'ipvs' },
            children: [
              node('pools', {
                children: [
                  node('cms', {
                    properties: { address: '1.2.3.4:80' },
                    links: { providers: '/cms/providers' },
                  }),
                ],
              }),
            ],
          }),
          node('cms', {
            properties: { type: 'z4m cms', threads: 3 },
            children: [
              node('providers'),
              node('databases', { children: [node('main', { children: [node('providers')] })] }),
            ],
          }),
          node('retail', {
            properties: { type: 'z4m retail', threads: 1 },
            children: [
              node('providers'),
              node('databases', {
                links: { main: '/cms/databases/main' },
                children: [node('ugc', { children: [node('providers')] })],
              }),
            ],
          }),
        ],
      }),
    );
  });

  it("reads the README's property link: `threads => /fooservice threads` under /cms", () => {
    const tree = parseTree('/cms\n  threads => /fooservice threads\n  port =>   ../lb\n');
    expect(tree.children[0]).toEqual(
      node('cms', { propertyLinks: { threads: '/fooservice threads', port: '../lb' } }),
    );
  });

  it('takes every JSON value, free spacing around the operators, and the four kinds of line', () => {
    const tree = parseTree(
      [
        '/a  :t',
        '  n=3',
        '  s   =   "text"',
        '  b = true',
        '  z = null',
        '  list = [1, 2]',
        '  object = {"a": 1, "b": {"c": [false]}}',
        '  up->..',
        '  here -> ./x',
        '  p=>/b q',
        '/host:8080',
        '/b :   two words  ',
      ].join('\n'),
    );
    expect(tree.children).toEqual([
      node('a', {
        properties: {
          type: 't',
          n: 3,
          s: 'text',
          b: true,
          z: null,
          list: [1, 2],
          object: { a: 1, b: { c: [false] } },
        },
        links: { up: '..', here: './x' },
        propertyLinks: { p: '/b q' },
      }),
      node('host:8080'),
      node('b', { properties: { type: 'two words' } }),
    ]);
  });

  it('reads the shortest name before an operator, so operators inside a value are the value', () => {
    const tree = parseTree('/a\n  x = "y -> z"\n  w = "v => u"\n  max-threads = 4\n  e-> /f\n');
    expect(tree.children[0]).toEqual(
      node('a', { properties: { x: 'y -> z', w: 'v => u', 'max-threads': 4 }, links: { e: '/f' } }),
    );
  });

  it('skips blank and comment lines and trailing comments, but not a # inside a JSON string or a name', () => {
    const text = '\n# top\n/a : t   # the type\n\n  # inner\n  x = "a # b"  # why\n  l -> /b # where\n/c#d\n';
    expect(parseTree(text).children).toEqual([
      node('a', { properties: { type: 't', x: 'a # b' }, links: { l: '/b' } }),
      node('c#d'),
    ]);
  });

  it('reads CRLF line ends, a byte order mark and any consistent indentation', () => {
    expect(parseTree('\uFEFF/a\r\n    /b\r\n        x = 1\r\n    /c\r\n')).toEqual(
      node('', { children: [node('a', { children: [node('b', { properties: { x: 1 } }), node('c')] })] }),
    );
  });

  it('keeps a property named __proto__ as a plain property', () => {
    const tree = parseTree('/a\n  __proto__ = {"polluted": true}\n');
    const properties = tree.children[0]?.properties ?? {};
    expect(Object.hasOwn(properties, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
  });

  it('reads an empty text as an empty tree', () => {
    expect(parseTree('')).toEqual(node(''));
    expect(parseTree('# nothing\n\n')).toEqual(node(''));
  });

  it.each([
    [
      'bad indentation (a dedent to no earlier level)',
      '/a\n    /b\n  /c\n',
      'line 3, column 3: invalid indentation',
    ],
    ['a first line indented, then a dedent', '  /a\n/b\n', 'line 2, column 1: invalid indentation'],
    ['a tab in the indentation', '/a\n\t/b\n', 'line 2, column 1: indent with spaces'],
    [
      'a property with children',
      '/a\n  x = 1\n    /b\n',
      'line 3, column 5: a property cannot have children',
    ],
    ['a link with children', '/a\n  x -> /b\n    y = 1\n', 'line 3, column 5: a link cannot have children'],
    ['a property at the top level', 'x = 1\n', 'line 1, column 1: a property cannot be at the top level'],
    ['a link at the top level', '/a\nx -> /a\n', 'line 2, column 1: a link cannot be at the top level'],
    ['a duplicate node', '/a\n  /b\n  /b\n', 'line 3, column 3: duplicate node /b'],
    ['a duplicate top-level node', '/a\n/b\n/a\n', 'line 3, column 1: duplicate node /a'],
    ['a duplicate property', '/a\n  x = 1\n  x = 2\n', 'line 3, column 3: duplicate property x'],
    ['a type given twice', '/a : t\n  type = "u"\n', 'line 2, column 3: duplicate property type'],
    ['a duplicate link', '/a\n  x -> /b\n  x -> /c\n', 'line 3, column 3: duplicate link x'],
    ['invalid JSON', '/a\n  x = [1, 2,, 3]\n', 'line 2, column 7: invalid JSON value'],
    ['a Python-style value', "/a\n  x = 'text'\n", 'line 2, column 7: invalid JSON value'],
    ['a property without a value', '/a\n  x =   # none\n', 'line 2, column 9: a property needs a JSON value'],
    ['a node name with a slash', '/a/b\n', "line 1, column 2: a node name cannot contain '/'"],
    ['a node named ..', '/a\n  /..\n', "line 2, column 4: a node cannot be named '..'"],
    ['a node name with a blank', '/a b\n', 'line 1, column 1: expected /NAME or /NAME : TYPE'],
    ['a node name ZooKeeper refuses', '/a\u0001\n', 'line 1, column 2: the node name holds a character'],
    [
      'a link target with an empty segment',
      '/a\n  x -> /b//c\n',
      'line 2, column 8: the link target /b//c has an',
    ],
    [
      'a link target with blanks',
      '/a\n  x -> /b c\n',
      'line 2, column 8: a link target cannot contain blanks',
    ],
    ['a link without a target', '/a\n  x ->\n', 'line 2, column 7: a link target cannot be empty'],
    ['a property link with three parts', '/a\n  x => /b c d\n', 'line 2, column 8: a property link is PATH'],
    ['an unknown line', '/a\n  just words\n', 'line 2, column 3: expected /NODE [: TYPE], NAME = JSON'],
  ])('refuses %s, naming the line and column', (_, text, message) => {
    let thrown: unknown;
    try {
      parseTree(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({ code: 'INVALID_DATA' });
    expect((thrown as Error).message).toContain(message);
  });
});
