import { connect as tcpConnect } from 'node:net';
import { closeClient } from '@zkit/worker/nzc';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { type Observer, openObserver } from './observer.js';
import { type ProxyHandle, startProxy } from './proxy.js';
import { uniquePath } from './unique-path.js';
import { delay, waitFor } from './wait-for.js';

// The run's shared server: `host:port`, or `host:port/chroot` with ZK_CONNECT. The proxy takes the address; the
// chroot goes after the proxy's own.
const [server = '', chroot = ''] = inject('zkConnect').split(/(?=\/)/);

async function proxy(): Promise<ProxyHandle> {
  const started = await startProxy(server);
  onTestFinished(() => started.close());
  return started;
}

async function observer(connectString = inject('zkConnect')): Promise<Observer> {
  const opened = await openObserver(connectString);
  onTestFinished(() => opened.close());
  return opened;
}

/** A plain client whose state changes are recorded (the observer hides them). */
async function plainClient(connectString: string, sessionTimeout = 4000) {
  const client: Client = zookeeper.createClient(connectString, { sessionTimeout, spinDelay: 50, retries: 0 });
  const states: string[] = [];
  client.on('state', (state) => states.push(state.name));
  onTestFinished(() => closeClient(client));
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  return { client, states };
}

function create(client: Client, path: string, mode = zookeeper.CreateMode.PERSISTENT): Promise<void> {
  return new Promise((resolve, reject) =>
    client.create(path, Buffer.from('x'), mode, (error) => (error ? reject(error) : resolve())),
  );
}

describe('startProxy', () => {
  it('forwards a session to the server and back', async () => {
    const through = await proxy();
    const direct = await observer();
    const proxied = await observer(through.connectString + chroot);
    const path = uniquePath('proxy-forward');

    await proxied.create(path, 'via proxy');

    expect((await direct.getData(path)).data?.toString()).toBe('via proxy');
    expect(through.connections).toBe(1);
    expect(through.accepted).toBe(1);
  });

  it('drops connections: the client reconnects through it and keeps its session and ephemeral node', async () => {
    const through = await proxy();
    const direct = await observer();
    const { client, states } = await plainClient(through.connectString + chroot);
    const path = uniquePath('proxy-drop');
    await create(client, path, zookeeper.CreateMode.EPHEMERAL);
    const session = client.getSessionId().toString('hex');

    through.dropConnections();

    await waitFor(() => states.includes('DISCONNECTED') && states.at(-1) === 'SYNC_CONNECTED');
    expect(through.accepted).toBe(2);
    expect(client.getSessionId().toString('hex')).toBe(session);
    expect((await direct.exists(path))?.ephemeralOwner).toBe(session);
  });

  it('pauses without closing: a write waits for resume(), and the session survives a short partition', async () => {
    const through = await proxy();
    const direct = await observer();
    const proxied = await observer(through.connectString + chroot);
    const path = uniquePath('proxy-pause');

    through.pause();
    const write = proxied.create(path, 'late');
    // An observation window, not a timing claim: a paused proxy forwards nothing, however long we look.
    await delay(300);
    expect(await direct.exists(path)).toBeNull();
    expect(through.connections).toBe(1);
    through.resume();

    await write;
    expect((await direct.getData(path)).data?.toString()).toBe('late');
    expect(through.accepted).toBe(1);
  });

  it('forwards nothing from the server either while paused: a notification waits for resume()', async () => {
    const through = await proxy();
    const direct = await observer();
    const { client } = await plainClient(through.connectString + chroot);
    const path = uniquePath('proxy-pause-notify');
    await direct.create(path, 'v1');
    let fired = 0;
    await new Promise<void>((resolve, reject) =>
      client.getData(
        path,
        () => fired++,
        (error) => (error ? reject(error) : resolve()),
      ),
    );

    through.pause();
    await direct.setData(path, 'v2');
    // An observation window, as above: the server sent the notification; the proxy holds it.
    await delay(300);
    expect(fired).toBe(0);
    through.resume();

    await waitFor(() => fired === 1);
  });

  it('a partition longer than the session timeout expires the session, seen by the client once it heals', async () => {
    const through = await proxy();
    const direct = await observer();
    const { client, states } = await plainClient(through.connectString + chroot, 1000);
    const path = uniquePath('proxy-partition');
    await create(client, path, zookeeper.CreateMode.EPHEMERAL);

    through.pause();
    // The server hears no ping and expires the session; the client, cut off, cannot know yet.
    await waitFor(async () => (await direct.exists(path)) === null);
    expect(states.at(-1)).toBe('SYNC_CONNECTED');
    through.resume();

    await waitFor(() => states.includes('EXPIRED'));
  });

  it('holds connections made while paused until resume()', async () => {
    const through = await proxy();
    through.pause();
    const proxied = openObserver(through.connectString + chroot, { connectTimeout: 5000 });
    await waitFor(() => through.connections === 1);
    through.resume();

    const opened = await proxied;
    onTestFinished(() => opened.close());
    expect(await opened.exists('/')).not.toBeNull();
  });

  it('close() ends every connection and stops listening', async () => {
    const through = await proxy();
    const { states } = await plainClient(through.connectString + chroot);

    await through.close();
    await through.close(); // idempotent

    await waitFor(() => states.includes('DISCONNECTED'));
    expect(through.connections).toBe(0);
    const refused = await new Promise<string>((resolve) => {
      const socket = tcpConnect({ host: '127.0.0.1', port: through.port });
      socket.on('connect', () => resolve('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('rejects a target that is not one host:port', async () => {
    for (const target of ['127.0.0.1', '127.0.0.1:2181,127.0.0.1:2182', 'host:99999', ':2181']) {
      await expect(startProxy(target)).rejects.toMatchObject({
        name: 'TestingError',
        code: 'INVALID_OPTIONS',
      });
    }
  });
});
