import type { JsonObject, JsonValue } from '@zkit/protocol';
import type { TreeNode } from './tree-model.js';

// zc.zk stores a node's links among its properties: a symbolic link `name -> T` as property "name ->", a property
// link `name => P` as property "name =>". These two functions are the one place that knows it.

const LINK_SUFFIX = ' ->';
const PROPERTY_LINK_SUFFIX = ' =>';

/** A node's properties, links and property links as the one JSON object stored in its data. */
export function nodeData(node: Pick<TreeNode, 'properties' | 'links' | 'propertyLinks'>): JsonObject {
  const data: JsonObject = { ...node.properties };
  for (const [name, target] of Object.entries(node.links)) data[name + LINK_SUFFIX] = target;
  for (const [name, target] of Object.entries(node.propertyLinks ?? {}))
    data[name + PROPERTY_LINK_SUFFIX] = target;
  return data;
}

/**
 * A node's stored JSON object split into properties, links and property links. A "name ->" or "name =>" property
 * whose value is not a string is not a link zc.zk could follow; it stays a property.
 */
export function splitNodeData(
  data: Readonly<Record<string, JsonValue>>,
): Pick<TreeNode, 'properties' | 'links' | 'propertyLinks'> {
  // Entries, then Object.fromEntries: a key "__proto__" (JSON.parse makes it an own key) stays a plain key.
  const properties: [string, JsonValue][] = [];
  const links: [string, string][] = [];
  const propertyLinks: [string, string][] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string' && key.endsWith(LINK_SUFFIX) && key.length > LINK_SUFFIX.length)
      links.push([key.slice(0, -LINK_SUFFIX.length), value]);
    else if (
      typeof value === 'string' &&
      key.endsWith(PROPERTY_LINK_SUFFIX) &&
      key.length > PROPERTY_LINK_SUFFIX.length
    )
      propertyLinks.push([key.slice(0, -PROPERTY_LINK_SUFFIX.length), value]);
    else properties.push([key, value]);
  }
  const parts = { properties: Object.fromEntries(properties), links: Object.fromEntries(links) };
  return propertyLinks.length === 0 ? parts : { ...parts, propertyLinks: Object.fromEntries(propertyLinks) };
}
