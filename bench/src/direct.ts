/**
 * The control: a plain node-zookeeper-client with the promise wrappers an application would write itself.
 * Deliberately thin (one Promise per call, nothing else) so the comparison measures zkit, not this file.
 */
import zookeeper from 'node-zookeeper-client';
import { within } from './pool.js';

export type Watcher = (event: zookeeper.Event) => void;
export type Stat = zookeeper.Stat;

const ANYONE = new zookeeper.Id('world', 'anyone');
const OPEN_ACL = [new zookeeper.ACL(zookeeper.Permission.ALL, ANYONE)];
const WORLD_READ = [new zookeeper.ACL(zookeeper.Permission.READ, ANYONE)];

export class DirectClient {
  private constructor(readonly client: zookeeper.Client) {}

  /** Resolves once the session is established (the client's `connected` event). */
  static async connect(connectionString: string, sessionTimeout: number): Promise<DirectClient> {
    const client = zookeeper.createClient(connectionString, { sessionTimeout, spinDelay: 100 });
    const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    client.connect();
    try {
      await within(connected, 30_000, `a direct session to ${connectionString}`);
    } catch (error) {
      client.close();
      throw error;
    }
    return new DirectClient(client);
  }

  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** The timeout the server granted (it clamps the one asked for). */
  get sessionTimeout(): number {
    return this.client.getSessionTimeout();
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, children: string[]) => (error ? reject(error) : resolve(children));
      if (watcher) this.client.getChildren(path, watcher, done);
      else this.client.getChildren(path, done);
    });
  }

  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer | undefined; stat: Stat }> {
    return new Promise((resolve, reject) => {
      // node-zookeeper-client gives `undefined` (not an empty Buffer) for a node created without data.
      const done = (error: unknown, data: Buffer | undefined, stat: Stat) =>
        error ? reject(error) : resolve({ data, stat });
      if (watcher) this.client.getData(path, watcher, done);
      else this.client.getData(path, done);
    });
  }

  exists(path: string): Promise<Stat | null> {
    return new Promise((resolve, reject) => {
      this.client.exists(path, (error, stat) => (error ? reject(error) : resolve(stat ?? null)));
    });
  }

  /** A registration as an application would make one: ephemeral, world read-only. */
  createEphemeral(path: string, data: Buffer): Promise<void> {
    return this.#create(path, data, WORLD_READ, zookeeper.CreateMode.EPHEMERAL);
  }

  createPersistent(path: string, data: Buffer = Buffer.alloc(0)): Promise<void> {
    return this.#create(path, data, OPEN_ACL, zookeeper.CreateMode.PERSISTENT);
  }

  setData(path: string, data: Buffer, version = -1): Promise<Stat> {
    return new Promise((resolve, reject) => {
      this.client.setData(path, data, version, (error, stat) => (error ? reject(error) : resolve(stat)));
    });
  }

  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.remove(path, version, (error) => (error ? reject(error) : resolve()));
    });
  }

  mkdirp(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.mkdirp(path, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Ends the session (its ephemeral nodes go at once); bounded, since a dead server never answers. */
  async close(): Promise<void> {
    const state = this.client.getState();
    if (state === zookeeper.State.EXPIRED) return;
    const closed = new Promise<void>((resolve) => this.client.once('disconnected', () => resolve()));
    this.client.close();
    await within(closed, 3000, 'a direct session to close').catch(() => {});
  }

  #create(path: string, data: Buffer, acl: zookeeper.ACL[], mode: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.create(path, data, acl, mode, (error) => (error ? reject(error) : resolve()));
    });
  }
}

/** The name of a node-zookeeper-client exception (`NODE_EXISTS`, ...), or undefined for anything else. */
export function exceptionName(error: unknown): string | undefined {
  return error instanceof zookeeper.Exception ? error.getName() : undefined;
}
