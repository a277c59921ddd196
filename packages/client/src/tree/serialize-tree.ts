import type { JsonValue } from '@zkit/protocol';
import { isPlainObject, joinPath, zkError } from '@zkit/protocol';
import type { TreeNode } from './tree-model.js';
import {
  isWritableType,
  itemNameProblem,
  linkPathProblem,
  nodeNameProblem,
  propertyLinkProblem,
} from './tree-syntax.js';

const INDENT = '  ';

/**
 * Writes a tree in zc.zk 2's text format, in its export order: each node's line (`: TYPE` from a string `type`
 * property), its properties sorted by name, its property links, its links, then its children sorted by name. A root
 * named '' is not written (its children are the top level); a named one is, as the top line. What parseTree could not
 * read back exactly (a name with blanks, a non-JSON value, properties of an unnamed root) is refused with
 * InvalidInputError INVALID_DATA rather than written wrong.
 */
export function serializeTree(node: TreeNode): string {
  const lines: string[] = [];
  if (node.name === '') {
    const held = [
      ...Object.keys(node.properties),
      ...Object.keys(node.links),
      ...Object.keys(node.propertyLinks ?? {}),
    ];
    if (held.length > 0)
      throw cannotWrite(
        '/',
        'the root has properties or links and no line to hold them (name the root to write it)',
      );
    for (const child of sortedChildren(node)) writeNode(lines, child, { depth: 0, parent: '/' });
  } else writeNode(lines, node, { depth: 0, parent: '/' });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function writeNode(lines: string[], node: TreeNode, where: { depth: number; parent: string }): void {
  const path = joinPath(where.parent, node.name);
  const nameProblem = nodeNameProblem(node.name);
  if (nameProblem !== undefined) throw cannotWrite(path, nameProblem);
  const indent = INDENT.repeat(where.depth);
  const inner = INDENT.repeat(where.depth + 1);
  const { type, ...rest } = node.properties;
  const typed = isWritableType(type);
  lines.push(typed ? `${indent}/${node.name} : ${type}` : `${indent}/${node.name}`);
  const properties = typed || type === undefined ? rest : node.properties;
  for (const [name, value] of sortedEntries(properties))
    lines.push(`${inner}${checkedName(path, name)} = ${jsonText(path, name, value)}`);
  for (const [name, target] of sortedEntries(node.propertyLinks ?? {}))
    lines.push(`${inner}${checkedName(path, name)} => ${checked(path, target, propertyLinkProblem(target))}`);
  for (const [name, target] of sortedEntries(node.links))
    lines.push(`${inner}${checkedName(path, name)} -> ${checked(path, target, linkPathProblem(target))}`);
  for (const child of sortedChildren(node)) writeNode(lines, child, { depth: where.depth + 1, parent: path });
}

function checkedName(path: string, name: string): string {
  return checked(path, name, itemNameProblem(name));
}

function checked(path: string, text: string, problem: string | undefined): string {
  if (problem !== undefined) throw cannotWrite(path, `${JSON.stringify(text)}: ${problem}`);
  return text;
}

function jsonText(path: string, name: string, value: JsonValue): string {
  if (!isJson(value)) throw cannotWrite(path, `property ${name} is not a JSON value`);
  return JSON.stringify(value);
}

/** What JSON.stringify would write as itself: not NaN or Infinity (null), undefined (dropped), a Date (a string). */
function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  return isPlainObject(value) && Object.values(value).every(isJson);
}

function sortedEntries<V>(record: Readonly<Record<string, V>>): [string, V][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sortedChildren(node: TreeNode): TreeNode[] {
  return [...node.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function cannotWrite(path: string, why: string): Error {
  return zkError('INVALID_DATA', `cannot write ${path} in the tree format: ${why}`, { path });
}
