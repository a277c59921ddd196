import { isZkError, type TlsConfig, validatePath, zkError } from '@zkit/protocol';
import { closeClient, connectOverTls, toZkError } from '@zkit/worker/nzc';
import {
  ACL,
  type Client,
  CreateMode,
  createClient,
  type Exception,
  Id,
  type Stat,
} from 'node-zookeeper-client';

export interface ObserverOptions {
  /**
   * Session timeout asked of the server (which clamps it to its min/max), in milliseconds.
   * @default 10000
   */
  sessionTimeout?: number;
  /**
   * Reject with a `ZkError` of code 'CONNECT_TIMEOUT' when not connected within this many milliseconds.
   * @default 10000
   */
  connectTimeout?: number;
  /**
   * Connect over TLS with these PEM texts (a secure handle's `tls.clientOptions` fits), so a TLS-only server can be
   * observed. A failed handshake rejects with 'TLS_ERROR' and node's reason, at `connectTimeout`.
   */
  tls?: ObserverTls;
}

/** PEM text (or its bytes) for the observer's TLS connections; `servername` as in node's tls. */
export interface ObserverTls {
  readonly ca?: string | Uint8Array;
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
  readonly servername?: string;
}

/**
 * A node's Stat as ZooKeeper returns it, for tests: zxids as bigint (pzxid too), times as epoch ms, ephemeralOwner
 * as a session id in hex (zeros for a persistent node). Not @zkit/protocol's `NodeStat` (zxids as strings), hence
 * the name.
 */
export interface RawStat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  readonly pzxid: bigint;
  readonly ctime: number;
  readonly mtime: number;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** 16 hex digits; '0000000000000000' for a persistent node. Compare with `Observer.sessionId`. */
  readonly ephemeralOwner: string;
  readonly dataLength: number;
  readonly numChildren: number;
}

export interface NodeData {
  /** `undefined` for a node created without data (not an empty Buffer). */
  readonly data: Buffer | undefined;
  readonly stat: RawStat;
}

/** An ACL entry as ZooKeeper returns it (perms as a bit set); @zkit/protocol's `AclEntry` names the permissions. */
export interface RawAclEntry {
  /** Bit set of `Permission` (READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16, ALL 31). */
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

export interface CreateNodeOptions {
  /** @default false */
  ephemeral?: boolean;
  /** @default false */
  sequential?: boolean;
  /** @default world:anyone with all permissions */
  acl?: readonly RawAclEntry[];
}

/**
 * An independent ZooKeeper session for tests to arrange state and observe what the code under test did. Its
 * operations reject with zkit's `ZkError` (`@zkit/protocol`, also exported by `@zkit/client`): `code` NO_NODE,
 * NODE_EXISTS, NOT_EMPTY, BAD_VERSION, NO_AUTH, CONNECTION_LOSS, ..., INVALID_PATH for a path ZooKeeper refuses.
 */
export interface Observer extends AsyncDisposable {
  /** This session's id, 16 hex digits, as found in `RawStat.ephemeralOwner` of its ephemeral nodes. */
  readonly sessionId: string;
  exists(path: string): Promise<RawStat | null>;
  getData(path: string): Promise<NodeData>;
  /** Children names, sorted. */
  getChildren(path: string): Promise<string[]>;
  getAcl(path: string): Promise<RawAclEntry[]>;
  /** Resolves with the created path (with its sequence suffix for sequential nodes). */
  create(path: string, data?: Buffer | string, options?: CreateNodeOptions): Promise<string>;
  /** Creates the node and its missing parents; an existing node is fine. */
  mkdirp(path: string): Promise<void>;
  /** `null` stores an empty value. `version` -1 (the default) matches any version. */
  setData(path: string, data: Buffer | string | null, version?: number): Promise<RawStat>;
  remove(path: string, version?: number): Promise<void>;
  /** Deletes the node and everything below it; a missing node is fine. On '/', keeps '/' and '/zookeeper'. */
  removeRecursive(path: string): Promise<void>;
  /** Closes the session (its ephemeral nodes go at once). Idempotent; never keeps the process alive. */
  close(): Promise<void>;
}

type Callback<R extends unknown[]> = (error: Error | Exception | null, ...results: R) => void;

/** Opens a plain node-zookeeper-client session and resolves once it is connected. */
export async function openObserver(
  connectionString: string,
  options: ObserverOptions = {},
): Promise<Observer> {
  const { sessionTimeout = 10_000, connectTimeout = 10_000 } = options;
  // spinDelay 100: after a server dies, try the next one soon (the default waits up to 1 s).
  const client = createClient(connectionString, { sessionTimeout, spinDelay: 100, retries: 0 });
  let tlsFailure: string | undefined;
  if (options.tls) {
    const hooks = {
      onFailure: (failure: { code: string; reason: string }) => {
        tlsFailure = `${failure.code}: ${failure.reason}`;
      },
      onSecure() {},
    };
    if (!connectOverTls(client, tlsConfig(options.tls), hooks))
      throw zkError('TLS_ERROR', 'Observer: node-zookeeper-client is not the version TLS was written for');
  }
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<'connected' | 'timeout'>((resolve) => {
    client.once('connected', () => resolve('connected'));
    timer = setTimeout(() => resolve('timeout'), connectTimeout);
    client.connect();
  });
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await closeClient(client);
    if (tlsFailure !== undefined)
      throw zkError('TLS_ERROR', `Observer could not connect to ${connectionString} over TLS: ${tlsFailure}`);
    throw zkError(
      'CONNECT_TIMEOUT',
      `Observer could not connect to ${connectionString} within ${connectTimeout} ms`,
    );
  }
  return new ZooKeeperObserver(client);
}

function tlsConfig({ ca, cert, key, servername }: ObserverTls): TlsConfig {
  const source = (data: string | Uint8Array | undefined) => (data === undefined ? [] : [{ data }]);
  return {
    ca: source(ca),
    cert: source(cert),
    key: source(key),
    ...(servername === undefined ? {} : { servername }),
  };
}

class ZooKeeperObserver implements Observer {
  #closing: Promise<void> | undefined;

  constructor(private readonly client: Client) {}

  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  exists(path: string): Promise<RawStat | null> {
    return call<[Stat]>(path, (cb) => this.client.exists(path, cb)).then(([stat]) =>
      stat ? toNodeStat(stat) : null,
    );
  }

  async getData(path: string): Promise<NodeData> {
    const [data, stat] = await call<[Buffer, Stat]>(path, (cb) => this.client.getData(path, cb));
    return { data: data ?? undefined, stat: toNodeStat(stat) };
  }

  async getChildren(path: string): Promise<string[]> {
    const [children] = await call<[string[], Stat]>(path, (cb) => this.client.getChildren(path, cb));
    return [...children].sort();
  }

  async getAcl(path: string): Promise<RawAclEntry[]> {
    const [acls] = await call<[ACL[], Stat]>(path, (cb) => this.client.getACL(path, cb));
    return acls.map((acl) => ({ perms: permissionsOf(acl), scheme: acl.id.scheme, id: acl.id.id }));
  }

  async create(path: string, data?: Buffer | string, options: CreateNodeOptions = {}): Promise<string> {
    const acls = (options.acl ?? [{ perms: 31, scheme: 'world', id: 'anyone' }]).map(
      (entry) => new ACL(entry.perms, new Id(entry.scheme, entry.id)),
    );
    const mode = createMode(options);
    const [created] = await call<[string]>(path, (cb) =>
      data === undefined
        ? this.client.create(path, acls, mode, cb)
        : this.client.create(path, toBuffer(data), acls, mode, cb),
    );
    return created;
  }

  async mkdirp(path: string): Promise<void> {
    await call<[string]>(path, (cb) => this.client.mkdirp(path, cb));
  }

  async setData(path: string, data: Buffer | string | null, version = -1): Promise<RawStat> {
    // The client crashes on null data (it reads data.length): send an empty value instead.
    const buffer = data === null ? Buffer.alloc(0) : toBuffer(data);
    const [stat] = await call<[Stat]>(path, (cb) => this.client.setData(path, buffer, version, cb));
    return toNodeStat(stat);
  }

  async remove(path: string, version = -1): Promise<void> {
    await call<[]>(path, (cb) => this.client.remove(path, version, cb));
  }

  async removeRecursive(path: string): Promise<void> {
    const children = await this.getChildren(path).catch(ignoreNoNode([] as string[]));
    const base = path === '/' ? '' : path;
    const removable = path === '/' ? children.filter((child) => child !== 'zookeeper') : children;
    await Promise.all(removable.map((child) => this.removeRecursive(`${base}/${child}`)));
    if (path === '/') return;
    try {
      await this.remove(path);
    } catch (error) {
      // NOT_EMPTY: a child appeared meanwhile (e.g. an ephemeral of the code under test); go round again.
      if (isZkError(error, 'NOT_EMPTY')) return this.removeRecursive(path);
      ignoreNoNode(undefined)(error);
    }
  }

  close(): Promise<void> {
    this.#closing ??= closeClient(this.client);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Runs one client call as a promise, its failures as zkit's ZkError (`toZkError`, as the worker's). The path is
 * checked first by ZooKeeper's rules (INVALID_PATH), as the library would only assert. The callback only converts
 * and settles, inside try/catch: an exception escaping a node-zookeeper-client callback would be thrown from its
 * socket handler and kill the process.
 */
function call<R extends unknown[]>(path: string, run: (callback: Callback<R>) => void): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    try {
      validatePath(path);
      run((error, ...results) => {
        if (error) reject(toZkError(error, path));
        else resolve(results);
      });
    } catch (error) {
      reject(toZkError(error, path));
    }
  });
}

function ignoreNoNode<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (isZkError(error, 'NO_NODE')) return fallback;
    throw error;
  };
}

function createMode({ ephemeral = false, sequential = false }: CreateNodeOptions): number {
  if (ephemeral) return sequential ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL;
  return sequential ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT;
}

function toBuffer(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Jute longs arrive as 8-byte big-endian Buffers. */
function toNodeStat(stat: Stat): RawStat {
  return {
    czxid: stat.czxid.readBigInt64BE(0),
    mzxid: stat.mzxid.readBigInt64BE(0),
    pzxid: stat.pzxid.readBigInt64BE(0),
    ctime: Number(stat.ctime.readBigInt64BE(0)),
    mtime: Number(stat.mtime.readBigInt64BE(0)),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: stat.ephemeralOwner.toString('hex'),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

/** @types/node-zookeeper-client says `perms`; at run time the ACL object holds `permission`. */
function permissionsOf(acl: ACL): number {
  const { permission, perms } = acl as ACL & { permission?: unknown };
  return typeof permission === 'number' ? permission : perms;
}
