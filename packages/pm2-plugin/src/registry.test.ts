import { InvalidInputError, NodeError, SessionError } from '@zkit/client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PluginError } from './errors.js';
import type { DesiredNode } from './reconcile.js';
import { type Registrar, Registry } from './registry.js';

const log = pino({ level: 'silent' });

function node(path: string, pid: number): DesiredNode {
  return { path, parent: '/s', name: { kind: 'address', host: 'h', port: 1 }, data: { pid, pids: [pid] } };
}

function desired(...nodes: DesiredNode[]): Map<string, DesiredNode> {
  return new Map(nodes.map((n) => [n.path, n]));
}

/** An in-memory ZooKeeper tree with failures on demand. */
class FakeRegistrar implements Registrar {
  readonly tree = new Map<string, unknown>();
  readonly calls: string[] = [];
  failRegister: Error | undefined;
  failUnregister: Error | undefined;

  async register(n: DesiredNode) {
    this.calls.push(`register ${n.path}`);
    if (this.failRegister) throw this.failRegister;
    this.tree.set(n.path, n.data);
    return {
      unregister: async () => {
        this.calls.push(`unregister ${n.path}`);
        if (this.failUnregister) throw this.failUnregister;
        this.tree.delete(n.path);
      },
    };
  }
}

describe('Registry', () => {
  it('registers, replaces on changed data, and removes', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1), node('/s/b', 2)), zk);
    expect([...zk.tree.keys()]).toEqual(['/s/a', '/s/b']);

    zk.calls.length = 0;
    await registry.sync(desired(node('/s/a', 11)), zk);
    expect(zk.calls).toEqual(['unregister /s/b', 'unregister /s/a', 'register /s/a']);
    expect(zk.tree.get('/s/a')).toEqual({ pid: 11, pids: [11] });
    expect([...registry.snapshot().keys()]).toEqual(['/s/a']);
  });

  it('does nothing when the tree is as desired', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1)), zk);
    zk.calls.length = 0;
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: false });
    expect(zk.calls).toEqual([]);
  });

  it('asks for a retry when an address is still held by another session, and registers on the retry', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    zk.failRegister = new NodeError('NODE_EXISTS', '/s/a is registered by another session');
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: true });
    expect(registry.snapshot().size).toBe(0);
    zk.failRegister = undefined;
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: false });
    expect(zk.tree.has('/s/a')).toBe(true);
  });

  it('keeps holding a node whose removal failed, and removes it on the retry', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    await registry.sync(desired(node('/s/a', 1)), zk);
    zk.failUnregister = new SessionError('CONNECTION_LOSS', 'lost');
    expect(await registry.sync(desired(), zk)).toEqual({ retry: true });
    expect([...registry.snapshot().keys()]).toEqual(['/s/a']);
    zk.failUnregister = undefined;
    await registry.sync(desired(), zk);
    expect(zk.tree.size).toBe(0);
  });

  it('does not retry a refused node until its data changes', async () => {
    const zk = new FakeRegistrar();
    const registry = new Registry(log);
    zk.failRegister = new InvalidInputError('DATA_TOO_LARGE', 'too large');
    expect(await registry.sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: false });
    zk.calls.length = 0;
    await registry.sync(desired(node('/s/a', 1)), zk);
    expect(zk.calls).toEqual([]);
    zk.failRegister = undefined;
    await registry.sync(desired(node('/s/a', 2)), zk);
    expect(zk.tree.get('/s/a')).toEqual({ pid: 2, pids: [2] });
  });

  it('treats the plugin’s own refusals (a port-less name the client cannot register) as final', async () => {
    const zk = new FakeRegistrar();
    zk.failRegister = new PluginError('UNSUPPORTED_NODE', 'no');
    expect(await new Registry(log).sync(desired(node('/s/a', 1)), zk)).toEqual({ retry: false });
  });
});
