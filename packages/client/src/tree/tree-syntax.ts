import { ILLEGAL_PATH_CHARS } from '@zkit/protocol';

// What the tree format can spell. parse-tree.ts reads with these rules and serialize-tree.ts refuses what they would
// not read back, so the two cannot drift apart.

/** `/NAME` or `/NAME : TYPE`. NAME is greedy, so `/host:8080` is a node named `host:8080` (zc.zk read it so too). */
export const NODE_LINE = /^\/(\S+)(?:\s*:\s*(\S.*))?$/;

/**
 * `NAME OP REST` for the three item kinds that are not nodes. The name is the shortest run of non-blanks before an
 * operator, so `a = "x -> y"` is a property; `=>` is tried before `=` (zc.zk tried property links first).
 */
export const ITEM_LINE = /^(\S+?)\s*(=>|=|->)\s*(.*)$/;

/** Why a node name cannot be written, or undefined. ZooKeeper's rules for a path segment, and no blanks. */
export function nodeNameProblem(name: string): string | undefined {
  if (name === '') return 'a node name cannot be empty';
  if (name.includes('/')) return "a node name cannot contain '/'";
  if (name === '.' || name === '..') return `a node cannot be named '${name}'`;
  if (/\s/.test(name)) return 'a node name cannot contain blanks';
  if (ILLEGAL_PATH_CHARS.test(name)) return 'the node name holds a character ZooKeeper refuses';
  return undefined;
}

/** Why a property or link name cannot be written, or undefined. */
export function itemNameProblem(name: string): string | undefined {
  if (name === '') return 'a name cannot be empty';
  if (/\s/.test(name)) return 'a name cannot contain blanks';
  if (name.startsWith('/')) return "a property or link name cannot start with '/' (that is a node)";
  if (name.startsWith('#')) return "a name cannot start with '#' (that is a comment)";
  if (name.includes('=') || name.includes('->')) return "a name cannot contain '=' or '->'";
  if (ILLEGAL_PATH_CHARS.test(name)) return 'the name holds a control character';
  return undefined;
}

/** Why a link target (absolute, or relative to the node holding the link; `.` and `..` allowed) is bad, or undefined. */
export function linkPathProblem(target: string): string | undefined {
  if (target === '') return 'a link target cannot be empty';
  if (/\s/.test(target)) return 'a link target cannot contain blanks';
  if (target.startsWith('#')) return "a link target cannot start with '#'";
  if (ILLEGAL_PATH_CHARS.test(target)) return 'the link target holds a character ZooKeeper refuses';
  if (target === '/') return undefined;
  const segments = (target.startsWith('/') ? target.slice(1) : target).split('/');
  if (segments.includes('')) return `the link target ${target} has an empty segment`;
  return undefined;
}

/** Why a property link's `PATH [PROPNAME]` is bad, or undefined. */
export function propertyLinkProblem(value: string): string | undefined {
  const parts = value.split(' ');
  if (parts.length > 2) return 'a property link is PATH or PATH PROPNAME';
  const [path = '', property] = parts;
  return linkPathProblem(path) ?? (property === undefined ? undefined : itemNameProblem(property));
}

/** True when a `type` can be written as `/NAME : TYPE` and read back as the same string. */
export function isWritableType(type: unknown): type is string {
  return (
    typeof type === 'string' &&
    /^\S(.*\S)?$/.test(type) &&
    !type.startsWith('#') &&
    !/\s#/.test(type) &&
    !ILLEGAL_PATH_CHARS.test(type)
  );
}

/** Where a trailing comment starts outside a JSON string (`#` at the start or after a blank), or the text's length. */
export function commentStart(text: string, json: boolean): number {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (json && char === '"') inString = true;
    else if (char === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) return i;
  }
  return text.length;
}
