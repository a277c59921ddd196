import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { forwardingLog, LOG_SEVERITY } from './log-forward.js';
import type { Session } from './session.js';
import { Watches } from './watches.js';
import type { Client, Stat, Watcher } from './zk-ops.js';

/**
 * A client whose getData calls wait until the test answers them: enough of node-zookeeper-client for a data watch,
 * with the server's replies under the test's control.
 */
class ScriptedClient {
  readonly pending: { watcher: Watcher | undefined; answer: (data: object, version: number) => void }[] = [];
  #zxid = 0;

  readonly childReads: { watcher: Watcher | undefined; answer: (names: string[]) => void }[] = [];

  getChildren(_path: string, watcher: Watcher, done: (error: unknown, names?: string[]) => void): void {
    this.childReads.push({ watcher, answer: (names) => done(null, names) });
  }

  getData(_path: string, watcher: Watcher, done: (error: unknown, data?: Buffer, stat?: Stat) => void): void {
    this.pending.push({
      watcher,
      answer: (data, version) => {
        const mzxid = Buffer.alloc(8);
        mzxid.writeBigInt64BE(BigInt(++this.#zxid));
        done(null, Buffer.from(JSON.stringify(data)), { mzxid, version } as unknown as Stat);
      },
    });
  }
}

function watchesOver(client: ScriptedClient, incrementalFrom?: number): Watches {
  const session = {
    run: <T>(op: (c: Client) => Promise<T>) => op(client as unknown as Client),
    ready: () => Promise.resolve(client as unknown as Client),
  } as unknown as Session;
  return new Watches(
    session,
    () => {},
    forwardingLog(() => {}, LOG_SEVERITY.silent),
    incrementalFrom,
  );
}

const event = (type: number) => ({ getType: () => type }) as unknown as zookeeper.Event;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Watches.lastKnownData', () => {
  it('offers no version for compare-and-set once the node was deleted, until the new node is read', async () => {
    const client = new ScriptedClient();
    const watches = watchesOver(client);
    const watching = watches.watchData('/svc/a');
    client.pending[0]?.answer({ v: 0 }, 0);
    await watching;
    expect(watches.lastKnownData('/svc/a')).toMatchObject({ properties: { v: 0 }, version: 0 });

    // Deleted and created again: the new node is at version 0 too, so the old snapshot's version would match it.
    client.pending[0]?.watcher?.(event(zookeeper.Event.NODE_DELETED));
    await settle();
    expect(watches.lastKnownData('/svc/a')).toBeUndefined();

    client.pending[1]?.answer({ v: 1 }, 0);
    await settle();
    expect(watches.lastKnownData('/svc/a')).toMatchObject({ properties: { v: 1 }, version: 0 });
  });

  it('keeps offering the last snapshot after a mere data change: compare-and-set catches a newer version', async () => {
    const client = new ScriptedClient();
    const watches = watchesOver(client);
    const watching = watches.watchData('/svc/b');
    client.pending[0]?.answer({ v: 0 }, 3);
    await watching;

    client.pending[0]?.watcher?.(event(zookeeper.Event.NODE_DATA_CHANGED));
    await settle();
    expect(watches.lastKnownData('/svc/b')).toMatchObject({ properties: { v: 0 }, version: 3 });
  });
});

describe('Watches.watchChildren', () => {
  it('falls back to a one-shot watch when a recursive one cannot be added, and the view stays live', async () => {
    // This client lacks the internals persistent watches need: adding one fails with ZOOKEEPER_ERROR.
    const client = new ScriptedClient();
    const watches = watchesOver(client, 0);
    const watching = watches.watchChildren('/svc');
    await settle();
    client.childReads[0]?.answer(['a']);

    expect(await watching).toEqual(['a']);
    expect(client.childReads[0]?.watcher).toBeTypeOf('function');
    expect(watches.incrementalPaths()).toEqual([]);
  });
});
