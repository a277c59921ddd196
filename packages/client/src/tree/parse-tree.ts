import type { JsonValue } from '@zkit/protocol';
import { zkError } from '@zkit/protocol';
import type { TreeNode } from './tree-model.js';
import {
  commentStart,
  ITEM_LINE,
  itemNameProblem,
  linkPathProblem,
  NODE_LINE,
  nodeNameProblem,
  propertyLinkProblem,
} from './tree-syntax.js';

interface NodeDraft {
  readonly name: string;
  readonly properties: Map<string, JsonValue>;
  readonly links: Map<string, string>;
  readonly propertyLinks: Map<string, string>;
  readonly children: NodeDraft[];
}

type Item =
  | { readonly kind: 'node'; readonly node: NodeDraft }
  | {
      readonly kind: 'property' | 'link' | 'property link';
      readonly name: string;
      readonly value: JsonValue;
    };

/** Where each line's item sits: nesting is by indentation, as in zc.zk (the root is at -1). */
interface Level {
  readonly indent: number;
  readonly item: Item;
}

/**
 * Reads zc.zk 2's tree text (values in JSON) into a tree whose root is named ''. Children keep their text order.
 * Throws InvalidInputError INVALID_DATA, its message starting with "line L, column C:".
 */
export function parseTree(text: string): TreeNode {
  const root = draft('');
  const levels: Level[] = [{ indent: -1, item: { kind: 'node', node: root } }];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trimEnd();
    const indent = line.length - line.trimStart().length;
    const content = line.slice(indent);
    if (content === '' || content.startsWith('#')) return;
    const at = (offset: number, message: string) => syntaxError(index + 1, indent + offset + 1, message);
    const tab = line.slice(0, indent).indexOf('\t');
    if (tab >= 0) throw syntaxError(index + 1, tab + 1, 'indent with spaces: a tab is ambiguous');
    const item = readItem(content, at);
    const parent = nest(levels, { indent, item }, at);
    addTo(parent, item, at, parent === root);
  });
  return built(root);
}

type At = (offset: number, message: string) => Error;

/** Places a line's item by its indentation and returns the node it belongs to. */
function nest(levels: Level[], level: Level, at: At): NodeDraft {
  let top = levels[levels.length - 1] as Level;
  if (level.indent > top.indent) {
    if (top.item.kind !== 'node') throw at(0, `a ${top.item.kind} cannot have children`);
    levels.push(level);
    return top.item.node;
  }
  while (level.indent < top.indent) {
    levels.pop();
    top = levels[levels.length - 1] as Level;
  }
  if (level.indent > top.indent)
    throw at(0, 'invalid indentation: a dedent must return to an earlier indentation');
  levels[levels.length - 1] = level;
  return ((levels[levels.length - 2] as Level).item as { node: NodeDraft }).node;
}

function addTo(parent: NodeDraft, item: Item, at: At, topLevel: boolean): void {
  if (item.kind === 'node') {
    if (parent.children.some((child) => child.name === item.node.name))
      throw at(0, `duplicate node /${item.node.name}`);
    parent.children.push(item.node);
    return;
  }
  if (topLevel) throw at(0, `a ${item.kind} cannot be at the top level: put it under a node`);
  const into =
    item.kind === 'property' ? parent.properties : item.kind === 'link' ? parent.links : parent.propertyLinks;
  if (into.has(item.name)) throw at(0, `duplicate ${item.kind} ${item.name}`);
  (into as Map<string, JsonValue>).set(item.name, item.value);
}

function readItem(content: string, at: At): Item {
  if (content.startsWith('/')) return readNode(content, at);
  const match = ITEM_LINE.exec(content);
  if (match === null)
    throw at(0, 'expected /NODE [: TYPE], NAME = JSON, NAME -> TARGET or NAME => PATH [PROPERTY]');
  const [, name = '', operator, rest = ''] = match;
  const nameProblem = itemNameProblem(name);
  if (nameProblem !== undefined) throw at(0, nameProblem);
  const restAt = content.length - rest.length;
  if (operator === '=')
    return { kind: 'property', name, value: readJson(rest, (offset, m) => at(restAt + offset, m)) };
  const value = rest.slice(0, commentStart(rest, false)).trimEnd();
  if (operator === '->') {
    const problem = linkPathProblem(value);
    if (problem !== undefined) throw at(restAt, problem);
    return { kind: 'link', name, value };
  }
  // zc.zk stores a property link as "PATH PROPNAME" (one blank), which is also how it is written back.
  const target = value.split(/\s+/).join(' ');
  const problem = propertyLinkProblem(target);
  if (problem !== undefined) throw at(restAt, problem);
  return { kind: 'property link', name, value: target };
}

function readNode(content: string, at: At): Item {
  const line = content.slice(0, commentStart(content, false)).trimEnd();
  const match = NODE_LINE.exec(line);
  if (match === null) throw at(0, 'expected /NAME or /NAME : TYPE');
  const [, name = '', type] = match;
  const problem = nodeNameProblem(name);
  if (problem !== undefined) throw at(1, problem);
  const node = draft(name);
  if (type !== undefined) node.properties.set('type', type);
  return { kind: 'node', node };
}

function readJson(text: string, at: At): JsonValue {
  const json = text.slice(0, commentStart(text, true)).trimEnd();
  if (json === '') throw at(0, 'a property needs a JSON value (a string is quoted: "text")');
  try {
    return JSON.parse(json) as JsonValue;
  } catch (error) {
    // V8 names the offending token and quotes the text, but not always its position: point at the value.
    throw at(0, `invalid JSON value: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function draft(name: string): NodeDraft {
  return { name, properties: new Map(), links: new Map(), propertyLinks: new Map(), children: [] };
}

function built(node: NodeDraft): TreeNode {
  return {
    name: node.name,
    properties: Object.fromEntries(node.properties),
    links: Object.fromEntries(node.links),
    ...(node.propertyLinks.size === 0 ? {} : { propertyLinks: Object.fromEntries(node.propertyLinks) }),
    children: node.children.map(built),
  };
}

function syntaxError(line: number, column: number, message: string): Error {
  return zkError('INVALID_DATA', `line ${line}, column ${column}: ${message}`);
}
