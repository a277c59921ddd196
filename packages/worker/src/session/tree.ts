import { type AclEntry, parentOf, type ZkError } from '@zkit/protocol';
import { lastSeenZxid } from '../nzc/last-zxid.js';
import { isLost } from './lost.js';
import { type Client, create, getData, zxid } from './ops.js';

/** A parent deleted as fast as we create it ends the attempt after this many rounds. */
const MAX_PARENT_ROUNDS = 5;

/**
 * Creates `path` as a persistent node with `data`, and its missing parents; resolves true when `path` itself was
 * created by this call. Pass the returned function to Session.run: it is called again after a lost connection, and
 * keeps what it needs to know across those calls.
 *
 * A create whose answer was lost may have been applied, so a retry that meets NODE_EXISTS cannot simply say
 * "not created". ZooKeeper records no creator for a persistent node, so the node is taken for ours when both hold:
 * - its czxid is above the zxid this client had seen before its first create went out (a server answers a
 *   connection's requests in order, so anything created before our create was sent, and seen by us, is below);
 * - it holds exactly our data.
 * The one case this misreads: another session creating the same path with the same bytes while our answer was
 * lost, which leaves the node exactly as we wanted it. Without the zxid (library internals changed) a retry's
 * NODE_EXISTS says false, as it used to.
 */
export function createPersistent(
  path: string,
  data: Buffer,
  acl: readonly AclEntry[],
): (client: Client) => Promise<boolean> {
  let floor: bigint | undefined;
  let doubtful = false;
  return async (client) => {
    if (path === '/') return false;
    for (let round = 1; ; round++) {
      if (!doubtful) floor = lastSeenZxid(client);
      try {
        await create(client, path, data, acl, false);
        return true;
      } catch (error) {
        const code = (error as ZkError).code;
        if (isLost(error)) doubtful = true;
        if (code === 'NODE_EXISTS') return doubtful && (await createdAfter(client, path, data, floor));
        if (code !== 'NO_NODE' || round >= MAX_PARENT_ROUNDS) throw error;
      }
      await ensureParents(client, parentOf(path), acl);
    }
  };
}

async function createdAfter(client: Client, path: string, data: Buffer, floor: bigint | undefined) {
  if (floor === undefined) return false;
  try {
    const { data: held, stat } = await getData(client, path);
    return zxid(stat.czxid) > floor && (held ?? Buffer.alloc(0)).equals(data);
  } catch (error) {
    if ((error as ZkError).code === 'NO_NODE') return false; // deleted since: whoever made it, it is not there
    throw error;
  }
}

/** Creates `path` and its missing ancestors as empty persistent nodes; existing ones are fine. */
async function ensureParents(client: Client, path: string, acl: readonly AclEntry[]): Promise<void> {
  if (path === '/') return;
  try {
    await create(client, path, Buffer.alloc(0), acl, false);
    return;
  } catch (error) {
    const code = (error as ZkError).code;
    if (code === 'NODE_EXISTS') return;
    if (code !== 'NO_NODE') throw error;
  }
  await ensureParents(client, parentOf(path), acl);
  await ensureParents(client, path, acl);
}
