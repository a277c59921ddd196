/**
 * The tree the churner works on, shared by the churning process and the test that checks the views:
 *
 *   <base>/n0 ... <base>/n<count-1>      persistent, JSON data { i, v, r }
 *   <base>/nI/c0 ... <base>/nI/c7        some of these children at any time
 *
 * Only volatile nodes are ever deleted and re-created; a view of any other node must never end.
 */
export const CHILD_NAMES = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'] as const;

export function nodePath(base: string, index: number): string {
  return `${base}/n${index}`;
}

export function isVolatile(index: number): boolean {
  return index % 5 === 0;
}

/** The index in a path made by `nodePath`, or undefined. */
export function indexOf(base: string, path: string): number | undefined {
  const match = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/n(\\d+)$`).exec(path);
  return match ? Number(match[1]) : undefined;
}
