import { NodeError } from '@zkit/client';
import { fourLetterWord } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { client, observer, root, zkConnect } from './support/harness.js';

/**
 * The server's watches by session, from `wchc` (the shared server is whitelisted for every four-letter word).
 * Per session, unlike `wchs`'s totals, so tests running at the same time on the same server do not disturb it.
 * ZooKeeper 3.8 lists only data watches there (those of getData and exists; DataTree reports `dataWatches`
 * alone), so a children watch is checked through the worker's diagnostics.
 */
async function serverWatches(): Promise<Map<bigint, string[]>> {
  const server = zkConnect().split('/')[0]?.split(',')[0] ?? '';
  const text = await fourLetterWord(server, 'wchc');
  const bySession = new Map<bigint, string[]>();
  let paths: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('0x')) {
      paths = [];
      bySession.set(BigInt(line.trim()), paths);
    } else if (line.trim().startsWith('/')) {
      paths?.push(line.trim());
    }
  }
  return bySession;
}

const session = (hex: string | undefined) => BigInt(`0x${hex}`);

describe('one-shot reads', () => {
  it('get() reads the JSON once, deeply frozen, decoded as a view decodes it', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('get');
    await obs.mkdirp(base);
    await obs.create(`${base}/json`, JSON.stringify({ threads: 2, nested: { hosts: ['a'] } }));
    await obs.create(`${base}/text`, 'plain words');
    await obs.create(`${base}/empty`);

    const json = await zk.get(`${base}/json`);

    expect(json).toEqual({ threads: 2, nested: { hosts: ['a'] } });
    expect(Object.isFrozen(json) && Object.isFrozen(json.nested)).toBe(true);
    expect(await zk.get(`${base}/text`)).toEqual({ string_value: 'plain words' });
    expect(await zk.get(`${base}/empty`)).toEqual({});
  });

  it('getChildren() reads the names once, sorted', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('get-children');
    for (const name of ['c', 'a', 'b']) await obs.mkdirp(`${base}/${name}`);

    expect(await zk.getChildren(base)).toEqual(['a', 'b', 'c']);
    expect(await zk.getChildren(`${base}/a`)).toEqual([]);
  });

  it('exists() gives the stat, with the owner of an ephemeral node, or null', async () => {
    const zk = await client();
    const base = root('exists');
    const registration = await zk.registerServer(base, ['127.0.0.1', 1]);
    await registration.update({ role: 'web' });

    const stat = await zk.exists(registration.path);

    // update() swaps the node in one transaction: a new node, so version 0 again, with the new data.
    expect(stat).toMatchObject({
      version: 0,
      numChildren: 0,
      dataLength: JSON.stringify(registration.data).length,
    });
    expect(session(stat?.ephemeralOwner ?? undefined)).toBe(session(zk.sessionId));
    expect(await zk.exists(base)).toMatchObject({ numChildren: 1, ephemeralOwner: null });
    expect(await zk.exists(`${base}/nothing`)).toBeNull();
  });

  it('rejects get() and getChildren() of a missing node with NO_NODE', async () => {
    const zk = await client();
    const missing = `${root('get-missing')}/nope`;

    for (const read of [zk.get(missing), zk.getChildren(missing)]) {
      await expect(read).rejects.toBeInstanceOf(NodeError);
      await expect(read).rejects.toMatchObject({ code: 'NO_NODE', path: missing });
    }
  });

  it('leaves no watch behind, in the worker or on the server', async () => {
    const zk = await client();
    const other = await client();
    const obs = await observer();
    const base = root('no-watch');
    await obs.mkdirp(`${base}/child`);

    await zk.get(base);
    await zk.getChildren(base);
    await zk.exists(base);
    await zk.exists(`${base}/missing`);
    // The control: another client's view does show on the server, so the listing is read right.
    const control = await other.properties(base);

    expect((await zk.diagnostics()).watches).toEqual({ children: [], data: [], incremental: [] });
    const watches = await serverWatches();
    expect(watches.get(session(other.sessionId))).toContain(base);
    expect(watches.has(session(zk.sessionId))).toBe(false);
    control.close();
  });

  it('answers one-shot reads after a view of the same node, leaving the view as it was', async () => {
    const zk = await client();
    const obs = await observer();
    const base = root('get-beside-view');
    await obs.mkdirp(`${base}/a`);
    const view = await zk.children(base);

    expect(await zk.getChildren(base)).toEqual(['a']);
    await obs.mkdirp(`${base}/b`);
    await expect.poll(() => view.toArray()).toEqual(['a', 'b']);
    expect((await zk.diagnostics()).watches.children).toEqual([base]);
  });
});
