import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { fourLetterWord, type Observer, startZooKeeper, uniquePath, waitFor } from '@zkit/testing';
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
// Not exported by @zkit/worker: an internal of the worker thread.
import {
  addRecursiveWatch,
  onTreeEvents,
  removeRecursiveWatch,
} from '../packages/worker/src/nzc/persistent-watch.js';
import { observer, root, zkConnect } from './support/harness.js';

type Client = zookeeper.Client;

/** A plain node-zookeeper-client session, as the worker holds one; closed when the test ends. */
async function plainClient(connectionString = zkConnect()): Promise<Client> {
  const client = zookeeper.createClient(connectionString, { sessionTimeout: 6000, spinDelay: 100 });
  onTestFinished(() => client.close());
  client.connect();
  await waitFor(() => client.getState() === zookeeper.State.SYNC_CONNECTED, { message: 'connected' });
  return client;
}

/** A plain session, an observer, and an empty node of its own to watch. */
async function freshTree(name: string): Promise<{ client: Client; obs: Observer; tree: string }> {
  const client = await plainClient();
  const obs = await observer();
  const tree = root(name);
  await obs.mkdirp(tree);
  return { client, obs, tree };
}

/** What the client's tree listeners see, as 'type path' lines. */
function treeEvents(client: Client): string[] {
  const seen: string[] = [];
  onTestFinished(onTreeEvents(client, (event) => seen.push(`${event.type} ${event.path}`)));
  return seen;
}

/**
 * Resolves once `client` (connected with `chroot`) has been sent every notification for the changes made so far: a server sends one
 * connection's notifications in zxid order, so the one for a marker node created now comes after them all.
 */
async function drained(client: Client, obs: Observer, chroot = ''): Promise<void> {
  const marker = uniquePath('pw-marker');
  let fired = false;
  await new Promise<void>((resolve, reject) =>
    client.exists(
      marker,
      () => {
        fired = true;
      },
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  await obs.create(`${chroot}${marker}`);
  await waitFor(() => fired, { message: 'the marker notification' });
}

/** A one-shot getChildren or getData watcher, as the library sets it; returns how often it has fired. */
async function oneShotWatcher(
  client: Client,
  kind: 'children' | 'data',
  path: string,
): Promise<() => number> {
  let count = 0;
  const watcher = () => count++;
  await new Promise<void>((resolve, reject) => {
    const done = (error: unknown) => (error ? reject(error) : resolve());
    if (kind === 'children') client.getChildren(path, watcher, done);
    else client.getData(path, watcher, done);
  });
  return () => count;
}

/**
 * A TCP relay to `target` whose connections can be cut: the client reconnects through it to the same server with
 * the same session. (Killing and restarting the server does the same, but node-zookeeper-client can then hang on a
 * connection the starting server accepted and never answers: it has no handshake timeout.)
 */
async function relay(target: string): Promise<{ address: string; cut: () => void }> {
  const [host = '127.0.0.1', port = ''] = target.split(':');
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  const server = createServer((inbound) => {
    const outbound = connect(Number(port), host);
    track(inbound);
    track(outbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    cut();
    server.close();
  });
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, cut };
}

/** The paths the server holds a data watch on (any session), from `wchp`: it lists the data table only. */
async function watchedPaths(address: string): Promise<string[]> {
  const answer = await fourLetterWord(address, 'wchp');
  return answer.split('\n').filter((line) => line.startsWith('/'));
}

/** How many watches the server holds in its data and child tables together, from `mntr`. */
async function watchCount(address: string): Promise<number> {
  const answer = await fourLetterWord(address, 'mntr');
  return Number(/^zk_watch_count\t(\d+)$/m.exec(answer)?.[1]);
}

describe('persistent recursive watches', () => {
  it('reports created, dataChanged and deleted for children, grandchildren and the root itself', async () => {
    const { client, obs, tree } = await freshTree('pw-tree');
    const seen = treeEvents(client);

    expect(await addRecursiveWatch(client, tree)).toBe(true);
    await obs.create(`${tree}/a`);
    await obs.create(`${tree}/a/b`, 'v1');
    await obs.setData(`${tree}/a/b`, 'v2');
    await obs.remove(`${tree}/a/b`);
    await obs.setData(tree, 'x');
    await obs.remove(`${tree}/a`);

    await waitFor(() => seen.length >= 6);
    expect(seen).toEqual([
      `created ${tree}/a`,
      `created ${tree}/a/b`,
      `dataChanged ${tree}/a/b`,
      `deleted ${tree}/a/b`,
      `dataChanged ${tree}`,
      `deleted ${tree}/a`,
    ]);
  });

  it('delivers both children created in one transaction', async () => {
    const { client, tree } = await freshTree('pw-multi');
    const writer = await plainClient();
    const seen = treeEvents(client);
    await addRecursiveWatch(client, tree);

    await new Promise<void>((resolve, reject) =>
      writer
        .transaction()
        .create(`${tree}/one`)
        .create(`${tree}/two`)
        .commit((error) => (error ? reject(error) : resolve())),
    );

    await waitFor(() => seen.length >= 2);
    expect(seen).toEqual([`created ${tree}/one`, `created ${tree}/two`]);
  });

  it('resolves when removing a watch that does not exist, and the connection carries on', async () => {
    const { client, obs, tree } = await freshTree('pw-missing');
    const states: string[] = [];
    client.on('state', (state) => states.push(state.name));

    await removeRecursiveWatch(client, `${tree}/never-added`);
    await removeRecursiveWatch(client, tree);
    await addRecursiveWatch(client, tree);
    await removeRecursiveWatch(client, tree);
    await removeRecursiveWatch(client, tree);

    // Answered NOWATCHER, a removal would have thrown inside node-zookeeper-client's socket handler.
    expect(states).toEqual([]);
    await drained(client, obs);
  });

  it.each(['before', 'after'])(
    'keeps a one-shot getChildren watcher on the same path firing once, set %s the recursive watch',
    async (when) => {
      const { client, obs, tree } = await freshTree('pw-one-shot');
      const seen = treeEvents(client);

      let fired: () => number;
      if (when === 'before') {
        fired = await oneShotWatcher(client, 'children', tree);
        await addRecursiveWatch(client, tree);
      } else {
        await addRecursiveWatch(client, tree);
        fired = await oneShotWatcher(client, 'children', tree);
      }
      await obs.create(`${tree}/a`);
      await waitFor(() => fired() === 1, { message: 'the children watcher' });
      await obs.create(`${tree}/b`);
      await drained(client, obs);

      expect(fired()).toBe(1);
      expect(seen).toEqual([`created ${tree}/a`, `created ${tree}/b`]);
    },
  );

  it('keeps one-shot watchers on the root working after the recursive watch is removed', async () => {
    const { client, obs, tree } = await freshTree('pw-rearm');
    const dataFired = await oneShotWatcher(client, 'data', tree);
    await addRecursiveWatch(client, tree);
    const childFired = await oneShotWatcher(client, 'children', tree);

    await removeRecursiveWatch(client, tree);
    await obs.create(`${tree}/a`);
    await obs.setData(tree, 'x');

    await waitFor(() => childFired() === 1 && dataFired() === 1, { message: 'both one-shot watchers' });
    await obs.create(`${tree}/b`);
    await obs.setData(tree, 'y');
    await drained(client, obs);
    expect([childFired(), dataFired()]).toEqual([1, 1]);
  });

  it('takes and reports paths without the chroot', async () => {
    const chroot = root('pw-chroot');
    const obs = await observer();
    await obs.mkdirp(`${chroot}/app`);
    const client = await plainClient(`${zkConnect()}${chroot}`);
    const seen = treeEvents(client);

    await addRecursiveWatch(client, '/app');
    await obs.create(`${chroot}/app/x`);
    await obs.setData(`${chroot}/app`, 'v');
    await addRecursiveWatch(client, '/');
    await obs.setData(chroot, 'w');

    await waitFor(() => seen.length >= 3);
    expect(seen).toEqual(['created /app/x', 'dataChanged /app', 'dataChanged /']);
    await removeRecursiveWatch(client, '/');
    await removeRecursiveWatch(client, '/app');
    await obs.create(`${chroot}/app/y`);
    await drained(client, obs, chroot);
    expect(seen).toHaveLength(3);
  });

  it('keeps calling the other listeners when one throws, and stops calling one unsubscribed', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());
    const { client, obs, tree } = await freshTree('pw-listeners');
    const stop = onTreeEvents(client, () => {
      throw new Error('listener bug');
    });
    const seen = treeEvents(client);
    const early: string[] = [];
    const unsubscribe = onTreeEvents(client, (event) => early.push(event.path));
    await addRecursiveWatch(client, tree);

    await obs.create(`${tree}/a`);
    await waitFor(() => seen.length === 1);
    unsubscribe();
    stop();
    await obs.create(`${tree}/b`);
    await waitFor(() => seen.length === 2);

    expect(early).toEqual([`${tree}/a`]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(client.getState()).toBe(zookeeper.State.SYNC_CONNECTED);
  });

  it('rejects a malformed path with INVALID_PATH before sending it', async () => {
    const client = await plainClient();

    await expect(addRecursiveWatch(client, 'relative')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(removeRecursiveWatch(client, '/trailing/')).rejects.toMatchObject({ code: 'INVALID_PATH' });
  });
});

describe('persistent recursive watches on a server of their own', () => {
  it('leaves no watch on the server once removed, and no event arrives', async () => {
    await using zk = await startZooKeeper({ servers: 1, provider: 'local' });
    const address = zk.servers[0]?.address ?? '';
    const client = await plainClient(zk.connectionString);
    const obs = await observer(zk.connectionString);
    await obs.mkdirp('/tree');
    const seen = treeEvents(client);
    await addRecursiveWatch(client, '/tree');
    expect(await watchedPaths(address)).toEqual(['/tree']);

    await removeRecursiveWatch(client, '/tree');
    await obs.create('/tree/a');
    await obs.setData('/tree/a', 'v');
    await obs.remove('/tree/a');
    await drained(client, obs);

    expect(await watchCount(address)).toBe(0);
    expect(seen).toEqual([]);
  });

  it('loses the watch when the connection drops though the session lives on; adding it again restores it', async () => {
    await using zk = await startZooKeeper({ servers: 1, provider: 'local' });
    const address = zk.servers[0]?.address ?? '';
    const link = await relay(address);
    const client = await plainClient(link.address);
    const obs = await observer(zk.connectionString);
    await obs.mkdirp('/tree/x');
    const seen = treeEvents(client);
    await addRecursiveWatch(client, '/tree');
    // A one-shot watch below the root: set again by node-zookeeper-client on reconnect, it is no tree event.
    const dataFired = await oneShotWatcher(client, 'data', '/tree/x');
    const session = client.getSessionId().toString('hex');
    const states: string[] = [];
    client.on('state', (state) => states.push(state.name));

    link.cut();
    await waitFor(() => states.length === 2, { message: 'a reconnect' });
    await drained(client, obs); // after the library's SetWatches
    expect(await watchedPaths(address)).toEqual(['/tree/x']);
    await obs.create('/tree/lost');
    await obs.setData('/tree/x', 'v');
    await drained(client, obs);

    expect(states).toEqual(['DISCONNECTED', 'SYNC_CONNECTED']);
    expect(client.getSessionId().toString('hex')).toBe(session);
    expect(dataFired()).toBe(1);
    expect(seen).toEqual([]);

    expect(await addRecursiveWatch(client, '/tree')).toBe(true);
    await obs.create('/tree/back');
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(['created /tree/back']);
  });
});
