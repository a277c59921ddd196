// The ZooKeeper side: moves the nodes this plugin holds toward the desired set, through @zkit/client.
import { isDeepStrictEqual } from 'node:util';
import {
  type InstanceRegistration,
  isZkError,
  isZkitError,
  type JsonObject,
  type Registration,
  type ZooKeeper,
} from '@zkit/client';
import { parentOf } from '@zkit/protocol';
import type { Logger } from 'pino';
import { isPluginError } from './errors.js';
import { type DesiredNode, diff, nodeName, type Placed } from './reconcile.js';

/** A registered node: its data can be replaced in place, and it can be removed. */
export interface Held {
  /** Writes `node.data` (and `node.pid`) to the node, which never goes missing meanwhile. Same path only. */
  update(node: DesiredNode): Promise<void>;
  /** Removes the node; may be tried again after a failure. */
  unregister(): Promise<void>;
}

/** Creates registration nodes; the seam between the plan and `@zkit/client`. */
export interface Registrar {
  register(node: DesiredNode): Promise<Held>;
}

export interface SyncResult {
  /** Steps that failed for a reason that may pass (a lost connection, an address still held by a dead session). */
  readonly retry: boolean;
  /** How many steps failed (to be retried, or refused). */
  readonly failed: number;
}

/**
 * The nodes this plugin holds and their data. `sync` moves them toward a desired set; a failed step leaves the
 * bookkeeping true to ZooKeeper (a node whose removal failed is still held) so the next sync picks it up again.
 */
export class Registry {
  readonly #held = new Map<string, { readonly node: Placed; readonly handle: Held }>();
  /** Nodes refused for good (bad input) as refused: not tried again until what is desired changes. */
  readonly #refused = new Map<string, Placed>();

  constructor(private readonly log: Logger) {}

  /** How many wanted nodes are refused for good (bad input), until what is desired for them changes. */
  get refused(): number {
    return this.#refused.size;
  }

  /** Paths and data held now. */
  snapshot(): Map<string, JsonObject> {
    return new Map([...this.#held].map(([path, { node }]) => [path, node.data]));
  }

  async sync(desired: ReadonlyMap<string, DesiredNode>, registrar: Registrar): Promise<SyncResult> {
    for (const [path, refused] of this.#refused) {
      const node = desired.get(path);
      if (node === undefined || !isDeepStrictEqual(placed(node), refused)) this.#refused.delete(path);
    }
    const plan = diff(new Map([...this.#held].map(([path, { node }]) => [path, node])), desired);
    const tried = (node: DesiredNode) => !this.#refused.has(node.path);
    // Each path is independent: one waiting on ZooKeeper (an address still held by a dead session) holds up no other.
    const outcomes = await Promise.all([
      ...plan.remove.map((path) => this.#remove(path)),
      ...plan.update.filter(tried).map((node) => this.#update(node, registrar)),
      ...plan.add.filter(tried).map((node) => this.#add(node, registrar)),
    ]);
    return {
      retry: outcomes.includes('retry'),
      failed: outcomes.filter((outcome) => outcome !== 'done').length,
    };
  }

  /** Forgets every node without touching ZooKeeper: for after `zk.close()`, which removed them all at once. */
  forget(): void {
    this.#held.clear();
    this.#refused.clear();
  }

  async #remove(path: string): Promise<Outcome> {
    const held = this.#held.get(path);
    if (held === undefined) return 'done';
    try {
      await held.handle.unregister();
    } catch (error) {
      // NO_NODE: the client no longer has it (its registration is gone already).
      if (!isZkError(error) || error.code !== 'NO_NODE') return this.#failed('unregister', path, error);
    }
    this.#held.delete(path);
    this.log.info({ path, pids: held.node.data.pids }, 'unregistered');
    return 'done';
  }

  /**
   * In place: a restarted process's new pid, an instance more or less at a shared address. A refused update
   * (the new data too large, say) leaves the node with its previous data: the address it names is still served.
   */
  async #update(node: DesiredNode, registrar: Registrar): Promise<Outcome> {
    const held = this.#held.get(node.path);
    if (held === undefined) return this.#add(node, registrar);
    try {
      await held.handle.update(node);
    } catch (error) {
      if (isZkError(error) && error.code === 'NO_NODE') {
        // The client no longer has this registration: register the node afresh.
        this.#held.delete(node.path);
        return this.#add(node, registrar);
      }
      const outcome = this.#failed('update', node.path, error);
      if (outcome === 'refused') this.#refused.set(node.path, placed(node));
      return outcome;
    }
    this.#held.set(node.path, { node: placed(node), handle: held.handle });
    this.log.info({ path: node.path, pid: node.pid, pids: node.data.pids }, 'updated');
    return 'done';
  }

  async #add(node: DesiredNode, registrar: Registrar): Promise<Outcome> {
    try {
      const handle = await registrar.register(node);
      this.#held.set(node.path, { node: placed(node), handle });
      this.log.info({ path: node.path, pid: node.pid, pids: node.data.pids }, 'registered');
      return 'done';
    } catch (error) {
      const outcome = this.#failed('register', node.path, error);
      if (outcome === 'refused') this.#refused.set(node.path, placed(node));
      return outcome;
    }
  }

  #failed(step: 'register' | 'update' | 'unregister', path: string, error: unknown): Outcome {
    const outcome = classify(error);
    // Expected failures (ours, ZooKeeper's) are logged by code; a stack only helps with the unexpected.
    const fields = isZkitError(error)
      ? { path, code: error.code, reason: error.message }
      : { path, err: error };
    if (outcome === 'retry') this.log.warn(fields, `${step} failed; will retry`);
    else this.log.error(fields, `${step} refused; not retrying until the process changes`);
    return outcome;
  }
}

type Outcome = 'done' | 'retry' | 'refused';

function placed(node: DesiredNode): Placed {
  return { name: node.name, data: node.data };
}

/**
 * Which failures may pass. NODE_EXISTS is one: after the plugin restarts, its previous session's nodes stay until
 * that session times out (ZooKeeper deletes ephemerals only then), and the address is free again after.
 */
function classify(error: unknown): 'retry' | 'refused' {
  if (isPluginError(error)) return 'refused';
  if (!isZkError(error)) return 'retry';
  switch (error.code) {
    case 'INVALID_PATH':
    case 'INVALID_ADDRESS':
    case 'INVALID_DATA':
    case 'INVALID_OPTION':
    case 'INVALID_ACL':
    case 'DATA_TOO_LARGE':
    case 'NO_AUTH':
    case 'AUTH_FAILED':
    case 'CLOSED':
      return 'refused';
    default:
      return 'retry';
  }
}

/**
 * Registers through `@zkit/client`: ephemeral, world read-only nodes holding the app's pid, restored by the
 * client after an expiry. A node with an address is `registerServer(parent, [host, port])`; one without is
 * `registerProcess(parent, 'pm2-<pm_id>@<host>')`.
 */
export function zkitRegistrar(zk: ZooKeeper): Registrar {
  const create = (node: DesiredNode) => {
    const options = { data: node.data, pid: node.pid };
    return node.name.kind === 'address'
      ? zk.registerServer(node.parent, [node.name.host, node.name.port], options)
      : zk.registerProcess(node.parent, nodeName(node.name), options);
  };
  return {
    async register(node) {
      const registration: Registration = await create(node);
      return {
        update: (next) => registration.update(next.data, { pid: next.pid }),
        unregister: () => registration.unregister(),
      };
    },
  };
}

/**
 * Registers each node as an Apache Curator x-discovery instance through `@zkit/client`'s `registerInstance`:
 * ephemeral `<service>/pm2-<pm_id>@<host>` holding Curator 5's JSON, the app's data as its payload, restored by the
 * client after an expiry like any registration. A new pid or restart count rewrites the payload in place; a new
 * port (the instance's address) registers the instance again at the same path.
 */
export function curatorRegistrar(zk: ZooKeeper): Registrar {
  const create = (node: DesiredNode): Promise<InstanceRegistration> => {
    const { name } = node;
    if (name.kind !== 'instance') throw new TypeError(`not a Curator instance: ${node.path}`);
    const service = node.parent;
    return zk.registerInstance(parentOf(service), service.slice(service.lastIndexOf('/') + 1), {
      address: name.host,
      port: name.port,
      id: nodeName(name),
      data: node.data,
    });
  };
  return {
    async register(node) {
      let registration: InstanceRegistration | undefined = await create(node);
      let current = node;
      return {
        async update(next) {
          if (registration !== undefined && isDeepStrictEqual(next.name, current.name)) {
            await registration.update(next.data);
          } else {
            // Curator's readers take the address from the JSON, fixed at registration: register it again.
            // Forgotten only once gone, so a failed unregister is tried again by the next sync.
            await registration?.unregister();
            registration = undefined;
            registration = await create(next);
          }
          current = next;
        },
        async unregister() {
          await registration?.unregister();
          registration = undefined;
        },
      };
    },
  };
}
