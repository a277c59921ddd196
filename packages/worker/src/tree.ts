import { joinPath, parentOf } from './data.js';
import type { ZkError } from './errors.js';
import type { AclEntry } from './protocol.js';
import { type Client, create, getChildren, remove } from './zk-ops.js';

/** Creates `path` as a persistent node, and its missing parents; true when `path` itself was created. */
export async function ensurePath(
  client: Client,
  path: string,
  data: Buffer,
  acl: readonly AclEntry[],
): Promise<boolean> {
  if (path === '/') return false;
  try {
    await create(client, path, data, acl, false);
    return true;
  } catch (error) {
    const code = (error as ZkError).code;
    if (code === 'NODE_EXISTS') return false;
    if (code !== 'NO_NODE') throw error;
  }
  await ensurePath(client, parentOf(path), Buffer.alloc(0), acl);
  return ensurePath(client, path, data, acl);
}

/**
 * Deletes a subtree, children first. Another session adding a child meanwhile makes a delete fail with NOT_EMPTY;
 * the subtree is then read again, a bounded number of times.
 */
export async function deleteTree(client: Client, path: string, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { children } = await getChildren(client, path);
      await Promise.all(children.map((child) => deleteTree(client, joinPath(path, child), attempts)));
      await remove(client, path);
      return;
    } catch (error) {
      const code = (error as ZkError).code;
      if (code === 'NO_NODE') return;
      if (code !== 'NOT_EMPTY' || attempt >= attempts) throw error;
    }
  }
}
