import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred } from '../deferred.js';
import { forwardingLog, LOG_SEVERITY } from '../log-forward.js';
import type { Client } from '../session/ops.js';
import type { Session } from '../session/session.js';
import { RecursiveRoots } from './recursive-roots.js';

const adds: ReturnType<typeof deferred<boolean>>[] = [];
vi.mock('../nzc/persistent-watch.js', () => ({
  addRecursiveWatch: () => {
    const reply = deferred<boolean>();
    adds.push(reply);
    return reply.promise;
  },
  removeRecursiveWatch: async () => {},
  onTreeEvents: () => () => {},
}));

function roots(onRemoved: (path: string) => void = () => {}): RecursiveRoots {
  const session = { ready: () => Promise.resolve({} as Client) } as unknown as Session;
  return new RecursiveRoots(
    session,
    forwardingLog(() => {}, LOG_SEVERITY.silent),
    () => {},
    onRemoved,
  );
}

afterEach(() => {
  adds.length = 0;
});

describe('RecursiveRoots across a lost connection', () => {
  it('keeps a root whose addWatch was still queued when the connection was lost: it goes out on the next one', async () => {
    // node-zookeeper-client reports the new connection, then writes what it queued meanwhile: an addWatch queued
    // while disconnected is answered on the new connection, and the server holds that watch.
    const tree = roots();
    const adding = tree.add({} as Client, '/svc');
    await vi.waitFor(() => expect(adds).toHaveLength(1));
    tree.connectionLost();
    adds[0]?.resolve(true);

    expect(await adding).toBe(true);
    expect(tree.has('/svc')).toBe(true);
  });

  it('drops a root whose addWatch failed with the lost connection', async () => {
    const tree = roots();
    const adding = tree.add({} as Client, '/svc');
    await vi.waitFor(() => expect(adds).toHaveLength(1));
    tree.connectionLost();
    adds[0]?.reject(Object.assign(new Error('lost'), { code: 'CONNECTION_LOSS' }));

    await expect(adding).rejects.toMatchObject({ code: 'CONNECTION_LOSS' });
    expect(tree.has('/svc')).toBe(false);
  });

  it('drops the roots the server already held when the connection was lost', async () => {
    const tree = roots();
    const adding = tree.add({} as Client, '/svc');
    await vi.waitFor(() => expect(adds).toHaveLength(1));
    adds[0]?.resolve(true);
    await adding;
    tree.connectionLost();
    expect(tree.has('/svc')).toBe(false);
  });

  it('tells the riders of a root whose addWatch failed: a data view that read without a watch must set its own', async () => {
    // A data view of a root reads without a one-shot watch (the recursive watch will tell it of changes). If the
    // addWatch then fails with the lost connection, no watch of any kind covers the node: a change written before
    // the next addWatch would never reach that view (seen as one view stuck one write behind after leader kills).
    const removed: string[] = [];
    const tree = roots((path) => removed.push(path));
    const adding = tree.add({} as Client, '/svc');
    await vi.waitFor(() => expect(adds).toHaveLength(1));
    adds[0]?.reject(Object.assign(new Error('lost'), { code: 'CONNECTION_LOSS' }));

    await expect(adding).rejects.toMatchObject({ code: 'CONNECTION_LOSS' });
    expect(removed).toEqual(['/svc']);
  });
});
