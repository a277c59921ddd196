import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '@zkit/protocol';
import { joinPath } from '@zkit/protocol';
import { nodeData } from './node-data.js';
import type { ImportPlan, TreeNode } from './tree-model.js';

export interface PlanImportOptions {
  /**
   * Delete nodes under `path` that the text does not have, sparing ephemeral nodes, their ancestors and the
   * top-level nodes (the children of `path`).
   * @default false
   */
  readonly trim?: boolean;
  /**
   * Where the text's top level goes.
   * @default '/'
   */
  readonly path?: string;
}

const ZOOKEEPER = '/zookeeper';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/**
 * What importing `desired` (a parsed text: its root's children are the top level) at `path` does to `existing` (the
 * node at `path` as read, every descendant included, ephemeral ones marked; undefined when `path` does not exist).
 * Pure. Applying it means, in order: create `added` with nodeData(desired node); write nodeData(desired node) on each
 * path of `changed` and `links` at the version read; delete `trimmed`. Import never writes or deletes an ephemeral
 * node (it belongs to a session), and /zookeeper is ZooKeeper's own.
 */
export function planImport(
  desired: TreeNode,
  existing: TreeNode | undefined,
  options: PlanImportOptions = {},
): ImportPlan {
  const plan: Mutable<ImportPlan> = {
    added: [],
    changed: [],
    links: [],
    trimmed: [],
    skipped: [],
    extra: [],
  };
  compare(plan, { path: options.path ?? '/', desired, existing, top: true, trim: options.trim === true });
  return plan;
}

interface Pair {
  readonly path: string;
  readonly desired: TreeNode;
  readonly existing: TreeNode | undefined;
  readonly top: boolean;
  readonly trim: boolean;
}

function compare(plan: Mutable<ImportPlan>, pair: Pair): void {
  const existingChildren = new Map((pair.existing?.children ?? []).map((child) => [child.name, child]));
  for (const child of sortedByName(pair.desired.children)) {
    const path = joinPath(pair.path, child.name);
    const before = existingChildren.get(child.name);
    // ZooKeeper's own subtree refuses writes; an export never holds it, so a text that does is left alone there.
    if (path === ZOOKEEPER) continue;
    if (before === undefined) add(plan, path, child);
    else if (before.ephemeral === true) plan.skipped.push({ path, reason: 'ephemeral' });
    else {
      diffNode(plan, { path, desired: child, existing: before });
      compare(plan, { ...pair, path, desired: child, existing: before, top: false });
    }
  }
  const wanted = new Set(pair.desired.children.map((child) => child.name));
  for (const child of sortedByName(pair.existing?.children ?? [])) {
    const path = joinPath(pair.path, child.name);
    if (wanted.has(child.name) || path === ZOOKEEPER) continue;
    if (pair.top) {
      // zc.zk's import never touched the import path's own extra children: the text may describe only part of it.
      if (pair.trim) plan.skipped.push({ path, reason: 'top level' });
    } else if (pair.trim) trim(plan, path, child);
    else if (child.ephemeral !== true) plan.extra.push(path);
  }
}

function add(plan: Mutable<ImportPlan>, path: string, node: TreeNode): void {
  plan.added.push(path);
  for (const child of sortedByName(node.children)) add(plan, joinPath(path, child.name), child);
}

function diffNode(
  plan: Mutable<ImportPlan>,
  pair: { path: string; desired: TreeNode; existing: TreeNode },
): void {
  const before = dataLessLinks(pair.existing);
  const after = dataLessLinks(pair.desired);
  if (!isDeepStrictEqual(before, after)) plan.changed.push({ path: pair.path, before, after });
  const names = new Set([...Object.keys(pair.existing.links), ...Object.keys(pair.desired.links)]);
  for (const name of [...names].sort()) {
    const was = Object.hasOwn(pair.existing.links, name) ? pair.existing.links[name] : undefined;
    const will = Object.hasOwn(pair.desired.links, name) ? pair.desired.links[name] : undefined;
    if (was === will) continue;
    plan.links.push({
      path: pair.path,
      name,
      ...(was === undefined ? {} : { before: was }),
      ...(will === undefined ? {} : { after: will }),
    });
  }
}

/** Deletes what it can below `node`, children first; true when an ephemeral node kept something. */
function trim(plan: Mutable<ImportPlan>, path: string, node: TreeNode): boolean {
  let kept = false;
  for (const child of sortedByName(node.children))
    kept = trim(plan, joinPath(path, child.name), child) || kept;
  if (kept) plan.skipped.push({ path, reason: 'ephemeral descendant' });
  else if (node.ephemeral === true) plan.skipped.push({ path, reason: 'ephemeral' });
  else plan.trimmed.push(path);
  return kept || node.ephemeral === true;
}

function dataLessLinks(node: TreeNode): JsonObject {
  return nodeData({ properties: node.properties, links: {}, ...optional(node.propertyLinks) });
}

function optional(propertyLinks: TreeNode['propertyLinks']): Pick<TreeNode, 'propertyLinks'> {
  return propertyLinks === undefined ? {} : { propertyLinks };
}

function sortedByName(nodes: readonly TreeNode[]): TreeNode[] {
  return [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
