import {
  InvalidInputError,
  type JsonObject,
  NodeError,
  type RegisterOptions,
  type Registration,
  type RegistrationUpdateOptions,
  SessionError,
  type ZooKeeper,
} from '@zkit/client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DesiredNode } from './reconcile.js';
import { curatorRegistrar, type Held, type Registrar, Registry, zkitRegistrar } from './registry.js';

const log = pino({ level: 'silent' });

function node(path: string, pid: number, pids = [pid]): DesiredNode {
  return { path, parent: '/s', name: { kind: 'address', host: 'h', port: 1 }, pid, data: { pid, pids } };
}

function desired(...nodes: DesiredNode[]): Map<string, DesiredNode> {
  return new Map(nodes.map((n) => [n.path, n]));
}

/** An in-memory ZooKeeper tree with failures on demand. */
class FakeRegistrar implements Registrar {
  readonly tree = new Map<string, unknown>();
  readonly calls: string[] = [];
  failRegister: Error | undefined;
  failUpdate: Error | undefined;
  failUnregister: Error | undefined;

  async register(n: DesiredNode): Promise<Held> {
    this.calls.push(`register ${n.path}`);
    if (this.failRegister) throw this.failRegister;
    this.tree.set(n.path, n.data);
    return {
      update: async (next) => {
        this.calls.push(`update ${next.path}`);
        if (this.failUpdate) throw this.failUpdate;
        this.tree.set(next.path, next.data);
      },
      unregister: async () => {
        this.calls.push(`unregister ${n.path}`);
        if (this.failUnregister) throw this.failUnregister;
        this.tree.delete(n.path);
      },
    };
  }
}

describe('Registry', () => {
  it('registers, updates changed data in place, and removes', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1), node('/s/b', 2)), zk);
    expect([...zk.tree.keys()]).toEqual(['/s/a', '/s/b']);

    zk.calls.length = 0;
    await registry.sync(desired(node('/s/a', 11)), zk);
    expect(zk.calls).toEqual(['unregister /s/b', 'update /s/a']);
    expect(zk.tree.get('/s/a')).toEqual({ pid: 11, pids: [11] });
    expect([...registry.snapshot()]).toEqual([['/s/a', { pid: 11, pids: [11] }]]);
  });

  it('does nothing when the tree is as desired', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1)), zk);
    zk.calls.length = 0;
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: false, failed: 0 });
    expect(zk.calls).toEqual([]);
  });

  it('asks for a retry when an address is still held by another session, and registers on the retry', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    zk.failRegister = new NodeError('NODE_EXISTS', '/s/a is registered by another session');
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: true, failed: 1 });
    expect(registry.snapshot().size).toBe(0);
    zk.failRegister = undefined;
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: false, failed: 0 });
    expect(zk.tree.has('/s/a')).toBe(true);
  });

  it('keeps holding a node whose removal failed, and removes it on the retry', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1)), zk);
    zk.failUnregister = new SessionError('CONNECTION_LOSS', 'lost');
    expect(await registry.sync(desired(), zk)).toEqual({ retry: true, failed: 1 });
    expect([...registry.snapshot().keys()]).toEqual(['/s/a']);
    zk.failUnregister = undefined;
    zk.calls.length = 0;
    await registry.sync(desired(), zk);
    // The same registration, tried again.
    expect(zk.calls).toEqual(['unregister /s/a']);
    expect(zk.tree.size).toBe(0);
  });

  it('keeps the previous data when an update fails for a reason that may pass, and updates on the retry', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1)), zk);
    zk.failUpdate = new SessionError('CONNECTION_LOSS', 'lost');
    expect(await registry.sync(desired(node('/s/a', 2)), zk)).toEqual({ retry: true, failed: 1 });
    expect(registry.snapshot().get('/s/a')).toEqual({ pid: 1, pids: [1] });
    zk.failUpdate = undefined;
    zk.calls.length = 0;
    expect(await registry.sync(desired(node('/s/a', 2)), zk)).toEqual({ retry: false, failed: 0 });
    expect(zk.calls).toEqual(['update /s/a']);
    expect(zk.tree.get('/s/a')).toEqual({ pid: 2, pids: [2] });
  });

  it('registers again a node the client no longer has (update rejects NO_NODE)', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1)), zk);
    zk.failUpdate = new NodeError('NO_NODE', '/s/a is not registered');
    zk.calls.length = 0;
    expect(await registry.sync(desired(node('/s/a', 2)), zk)).toEqual({ retry: false, failed: 0 });
    expect(zk.calls).toEqual(['update /s/a', 'register /s/a']);
    expect(registry.snapshot().get('/s/a')).toEqual({ pid: 2, pids: [2] });
  });

  it('does not retry a refused node until its data changes', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    zk.failRegister = new InvalidInputError('DATA_TOO_LARGE', 'too large');
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: false, failed: 1 });
    expect(registry.refused).toBe(1);
    zk.calls.length = 0;
    await registry.sync(desired(node('/s/a', 1)), zk);
    expect(zk.calls).toEqual([]);
    zk.failRegister = undefined;
    await registry.sync(desired(node('/s/a', 2)), zk);
    expect(zk.tree.get('/s/a')).toEqual({ pid: 2, pids: [2] });
  });

  it('keeps a node whose new data is refused as it was, and does not retry until the data changes again', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1)), zk);
    zk.failUpdate = new InvalidInputError('DATA_TOO_LARGE', 'too large');
    expect(await registry.sync(desired(node('/s/a', 2)), zk)).toEqual({ retry: false, failed: 1 });
    expect(zk.tree.get('/s/a')).toEqual({ pid: 1, pids: [1] });
    zk.calls.length = 0;
    await registry.sync(desired(node('/s/a', 2)), zk);
    expect(zk.calls).toEqual([]);
    zk.failUpdate = undefined;
    await registry.sync(desired(node('/s/a', 3)), zk);
    expect(zk.tree.get('/s/a')).toEqual({ pid: 3, pids: [3] });
  });
});

/**
 * Stands in for `@zkit/client`: records calls; its registrations write `{ ...data, pid }`, `pid` being the option
 * given, at registration or at update, as @zkit/client's registrations do.
 */
class FakeClient {
  readonly calls: unknown[][] = [];
  readonly written = new Map<string, unknown>();

  async registerServer(path: string, address: [string, number], options: RegisterOptions = {}) {
    this.calls.push(['registerServer', path, address, { ...options }]);
    return this.#registration(`${path}/${address[0]}:${address[1]}`, options);
  }

  async registerProcess(path: string, name: string, options: RegisterOptions = {}) {
    this.calls.push(['registerProcess', path, name, { ...options }]);
    return this.#registration(`${path}/${name}`, options);
  }

  #registration(path: string, { data = {}, pid: given }: RegisterOptions): Registration {
    let pid = given;
    const write = (next: JsonObject) => {
      const full = { ...next, pid };
      this.written.set(path, full);
      return full;
    };
    let current = write(data);
    const registration = {
      path,
      get data() {
        return current;
      },
      update: async (next: JsonObject, options: RegistrationUpdateOptions = {}) => {
        this.calls.push(['update', path, next, { ...options }]);
        pid = options.pid ?? pid;
        current = write(next);
      },
      unregister: async () => {
        this.calls.push(['unregister', path]);
        this.written.delete(path);
      },
    };
    return registration as unknown as Registration;
  }
}

describe('zkitRegistrar', () => {
  const address: DesiredNode = {
    path: '/s/api/servers/10.0.0.5:80',
    parent: '/s/api/servers',
    name: { kind: 'address', host: '10.0.0.5', port: 80 },
    pid: 101,
    data: { pid: 101, pids: [101] },
  };

  it('registers an address with registerServer and the app’s pid', async () => {
    const client = new FakeClient();
    await zkitRegistrar(client as unknown as ZooKeeper).register(address);
    expect(client.calls).toEqual([
      ['registerServer', '/s/api/servers', ['10.0.0.5', 80], { data: address.data, pid: 101 }],
    ]);
  });

  it('registers a port-less process with registerProcess under its pm2-<pm_id>@HOST name', async () => {
    const client = new FakeClient();
    const worker: DesiredNode = {
      path: '/s/worker/servers/pm2-7@fd00::5',
      parent: '/s/worker/servers',
      name: { kind: 'process', host: 'fd00::5', pmId: 7 },
      pid: 107,
      data: { pid: 107, pids: [107] },
    };
    await zkitRegistrar(client as unknown as ZooKeeper).register(worker);
    expect(client.calls).toEqual([
      ['registerProcess', '/s/worker/servers', 'pm2-7@[fd00::5]', { data: worker.data, pid: 107 }],
    ]);
  });

  it('updates in place with the new pid', async () => {
    const client = new FakeClient();
    const held = await zkitRegistrar(client as unknown as ZooKeeper).register(address);
    client.calls.length = 0;
    await held.update({ ...address, pid: 202, data: { pid: 202, pids: [202] } });
    expect(client.calls).toEqual([['update', address.path, { pid: 202, pids: [202] }, { pid: 202 }]]);
    expect(client.written.get(address.path)).toEqual({ pid: 202, pids: [202] });
    await held.unregister();
    expect(client.written.size).toBe(0);
  });
});

describe('curatorRegistrar', () => {
  const instance: DesiredNode = {
    path: '/s/api/pm2-3@10.0.0.5',
    parent: '/s/api',
    name: { kind: 'instance', host: '10.0.0.5', port: 80, pmId: 3 },
    pid: 101,
    data: { pid: 101, pm_id: 3, pids: [101] },
  };

  /** registerInstance's calls, and each registration's. */
  function fakeClient() {
    const calls: unknown[][] = [];
    const client = {
      registerInstance: async (base: string, name: string, options: Record<string, unknown>) => {
        calls.push(['registerInstance', base, name, options]);
        const id = String(options.id);
        return {
          update: async (data: JsonObject) => void calls.push(['update', id, data]),
          unregister: async () => void calls.push(['unregister', id]),
        };
      },
    };
    return { calls, zk: client as unknown as ZooKeeper };
  }

  it('registers an instance of the service <root>/<app> with its address, port, stable id and data', async () => {
    const { calls, zk } = fakeClient();
    await curatorRegistrar(zk).register(instance);
    expect(calls).toEqual([
      [
        'registerInstance',
        '/s',
        'api',
        { address: '10.0.0.5', port: 80, id: 'pm2-3@10.0.0.5', data: instance.data },
      ],
    ]);
  });

  it('rewrites the payload for new data, and registers again for a new port', async () => {
    const { calls, zk } = fakeClient();
    const held = await curatorRegistrar(zk).register(instance);
    calls.length = 0;
    const restarted = { ...instance, pid: 202, data: { pid: 202, pm_id: 3, pids: [202] } };
    await held.update(restarted);
    expect(calls).toEqual([['update', 'pm2-3@10.0.0.5', restarted.data]]);

    calls.length = 0;
    const moved: DesiredNode = { ...restarted, name: { ...instance.name, port: 81 } as DesiredNode['name'] };
    await held.update(moved);
    expect(calls).toEqual([
      ['unregister', 'pm2-3@10.0.0.5'],
      ['registerInstance', '/s', 'api', expect.objectContaining({ port: 81, id: 'pm2-3@10.0.0.5' })],
    ]);
    calls.length = 0;
    await held.unregister();
    expect(calls).toEqual([['unregister', 'pm2-3@10.0.0.5']]);
  });
});
