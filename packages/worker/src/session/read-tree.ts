import { decodeProperties, joinPath, type WireTreeNode, type ZkError } from '@zkit/protocol';
import { type Client, getChildren, getData, nodeStat, type Stat } from './ops.js';

/**
 * Reads the subtree at `path`: each node's data and children in one round of requests per level, all levels
 * pipelined on the one connection. Paths in `exclude` are left out with their subtrees; a node deleted while it
 * is read is left out (NO_NODE for `path` itself).
 */
export async function readTree(
  client: Client,
  path: string,
  exclude: ReadonlySet<string>,
): Promise<WireTreeNode> {
  const [{ data, stat }, { children }] = await Promise.all([
    getData(client, path),
    getChildren(client, path),
  ]);
  return node(client, { path, data, stat, children }, exclude);
}

async function readChild(
  client: Client,
  path: string,
  exclude: ReadonlySet<string>,
): Promise<WireTreeNode | undefined> {
  try {
    const [{ data, stat }, { children }] = await Promise.all([
      getData(client, path),
      getChildren(client, path),
    ]);
    return await node(client, { path, data, stat, children }, exclude);
  } catch (error) {
    if ((error as ZkError).code === 'NO_NODE') return undefined;
    throw error;
  }
}

async function node(
  client: Client,
  read: { path: string; data: Buffer | undefined; stat: Stat; children: string[] },
  exclude: ReadonlySet<string>,
): Promise<WireTreeNode> {
  const { path, data, stat, children } = read;
  const paths = children
    .sort()
    .map((name) => joinPath(path, name))
    .filter((child) => !exclude.has(child));
  const nodes = await Promise.all(paths.map((child) => readChild(client, child, exclude)));
  return {
    name: path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1),
    properties: decodeProperties(data).properties,
    version: stat.version,
    ephemeralOwner: nodeStat(stat).ephemeralOwner,
    children: nodes.filter((node) => node !== undefined),
  };
}
