import type { AclEntry, NodeStat, Permission } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import type { WireAcl } from '../nzc/create-container.js';
import { toZkError } from '../nzc/exceptions.js';

/**
 * Promise forms of the node-zookeeper-client calls zkit uses. Callbacks only settle promises: a throw inside a
 * node-zookeeper-client callback would escape into its socket handler and kill the worker.
 */
export type Client = zookeeper.Client;
export type Stat = zookeeper.Stat;
export type Watcher = (event: zookeeper.Event) => void;

export const EventType = zookeeper.Event;

export function getData(client: Client, path: string, watcher?: Watcher) {
  return new Promise<{ data: Buffer | undefined; stat: Stat }>((resolve, reject) => {
    const done = (error: unknown, data: Buffer | undefined, stat: Stat) =>
      error ? reject(toZkError(error, path)) : resolve({ data, stat });
    if (watcher) client.getData(path, watcher, done);
    else client.getData(path, done);
  });
}

export function getChildren(client: Client, path: string, watcher?: Watcher) {
  return new Promise<{ children: string[]; stat: Stat }>((resolve, reject) => {
    const done = (error: unknown, children: string[], stat: Stat) =>
      error ? reject(toZkError(error, path)) : resolve({ children, stat });
    if (watcher) client.getChildren(path, watcher, done);
    else client.getChildren(path, done);
  });
}

export function exists(client: Client, path: string, watcher?: Watcher) {
  return new Promise<Stat | null>((resolve, reject) => {
    const done = (error: unknown, stat: Stat | undefined) =>
      error ? reject(toZkError(error, path)) : resolve(stat ?? null);
    if (watcher) client.exists(path, watcher, done);
    else client.exists(path, done);
  });
}

export function create(
  client: Client,
  path: string,
  data: Buffer,
  acl: readonly AclEntry[],
  ephemeral: boolean,
) {
  const mode = ephemeral ? zookeeper.CreateMode.EPHEMERAL : zookeeper.CreateMode.PERSISTENT;
  return new Promise<void>((resolve, reject) => {
    client.create(path, data, toAcl(acl), mode, (error) =>
      error ? reject(toZkError(error, path)) : resolve(),
    );
  });
}

/** Deletes and re-creates an ephemeral node in one transaction: watchers never see it missing. */
export function replaceEphemeral(client: Client, path: string, data: Buffer, acl: readonly AclEntry[]) {
  return new Promise<void>((resolve, reject) => {
    client
      .transaction()
      .remove(path, -1)
      .create(path, data, toAcl(acl), zookeeper.CreateMode.EPHEMERAL)
      .commit((error) => (error ? reject(toZkError(error, path)) : resolve()));
  });
}

export function setData(client: Client, path: string, data: Buffer, version: number) {
  return new Promise<Stat>((resolve, reject) => {
    client.setData(path, data, version, (error, stat) =>
      error ? reject(toZkError(error, path)) : resolve(stat),
    );
  });
}

export function remove(client: Client, path: string, version = -1) {
  return new Promise<void>((resolve, reject) => {
    client.remove(path, version, (error) => (error ? reject(toZkError(error, path)) : resolve()));
  });
}

const PERMS: Record<Permission, number> = {
  read: zookeeper.Permission.READ,
  write: zookeeper.Permission.WRITE,
  create: zookeeper.Permission.CREATE,
  delete: zookeeper.Permission.DELETE,
  admin: zookeeper.Permission.ADMIN,
};

export function toAcl(entries: readonly AclEntry[]): zookeeper.ACL[] {
  return entries.map((entry) => new zookeeper.ACL(permBits(entry), new zookeeper.Id(entry.scheme, entry.id)));
}

/** ACL entries as the wire has them, for requests encoded by hand (nzc/create-container.ts). */
export function wireAcl(entries: readonly AclEntry[]): WireAcl[] {
  return entries.map((entry) => ({ perms: permBits(entry), scheme: entry.scheme, id: entry.id }));
}

function permBits(entry: AclEntry): number {
  return entry.perms.reduce((bits, perm) => bits | PERMS[perm], 0);
}

/** The library's Stat as it crosses threads. */
export function nodeStat(stat: Stat): NodeStat {
  const owner = stat.ephemeralOwner.readBigInt64BE(0);
  return {
    czxid: zxid(stat.czxid).toString(),
    mzxid: zxid(stat.mzxid).toString(),
    ctime: Number(stat.ctime.readBigInt64BE(0)),
    mtime: Number(stat.mtime.readBigInt64BE(0)),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: owner === 0n ? null : sessionIdHex(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

/** zxids and session ids are 64-bit; as strings they order and compare safely across threads. */
export function zxid(buffer: Buffer): bigint {
  return buffer.readBigInt64BE(0);
}

export function sessionIdHex(buffer: Buffer): string {
  return buffer.toString('hex');
}
