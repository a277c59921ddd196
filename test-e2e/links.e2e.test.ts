import { type Children, NodeError, type Properties } from '@zkit/client';
import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { client as connectClient, observer, recorder, root } from './support/harness.js';

const json = (value: object) => JSON.stringify(value);

/**
 * zc.zk's README tree under `base`: `/retail/databases/main -> /cms/databases/main`, the database holding
 * properties and a providers list of two persistent `HOST:PORT` children.
 */
async function readmeTree(base: string) {
  const obs = await observer();
  const main = `${base}/cms/databases/main`;
  await obs.mkdirp(`${main}/providers`);
  await obs.setData(main, json({ port: 5432 }));
  await obs.create(`${main}/providers/10.0.0.1:5432`, json({ pid: 1 }));
  await obs.create(`${main}/providers/10.0.0.2:5432`, json({ pid: 2 }));
  await obs.mkdirp(`${base}/retail/databases/ugc`);
  await obs.setData(`${base}/retail/databases`, json({ 'main ->': main }));
  return { obs, main, linked: `${base}/retail/databases/main` };
}

// Both ways a view follows children (one-shot watches re-read, or a persistent recursive watch): a deletion reaches
// the views by either.
describe.each([
  { mode: 're-reading', incrementalChildrenFrom: Number.POSITIVE_INFINITY },
  { mode: 'incremental', incrementalChildrenFrom: 0 },
])('symbolic links in live views, $mode', ({ incrementalChildrenFrom }) => {
  const client = () => connectClient({ incrementalChildrenFrom });
  it('children(), properties() and services() follow a link and paths below it', async () => {
    const base = root('links-follow');
    const { main, linked } = await readmeTree(base);
    const zk = await client();

    const kids = await zk.children(linked);
    expect(kids.toArray()).toEqual(['providers']);
    expect(kids.path).toBe(linked);
    expect(kids.resolvedPath).toBe(main);

    const props = await zk.properties(linked);
    expect(props.toJSON()).toEqual({ port: 5432 });

    const providers = await zk.services(`${linked}/providers`);
    expect(providers.toArray().map((instance) => instance.id)).toEqual(['10.0.0.1:5432', '10.0.0.2:5432']);
    expect(providers.path).toBe(`${linked}/providers`);
    expect(providers.resolvedPath).toBe(`${main}/providers`);

    // A write through the link writes the linked node.
    await props.update({ threads: 3 });
    expect(await zk.get(main)).toEqual({ port: 5432, threads: 3 });
  });

  it('re-pointing the link, then deleting the old node, moves every view that followed it', async () => {
    const base = root('links-move');
    const { obs, main, linked } = await readmeTree(base);
    const zk = await client();
    // A view of the old node by its own path, to check it is deleted as before.
    const direct = await zk.children(main);
    const kids = await zk.children(linked);
    const props = await zk.properties(linked);
    const providers = await zk.services(`${linked}/providers`);
    const idle = await zk.properties(linked); // no callback: moved all the same
    const seenKids = recorder<string[]>();
    kids.watch((view) => seenKids.push(view.toArray()));
    const seenProps = recorder<object>();
    props.watch((view) => seenProps.push(view.toJSON()));

    // zc.zk's move: the database's new home, the link re-pointed, the old node deleted.
    const moved = `${base}/databases/cms`;
    await obs.mkdirp(`${moved}/providers`);
    await obs.mkdirp(`${moved}/replicas`);
    await obs.setData(moved, json({ port: 6432 }));
    await obs.create(`${moved}/providers/10.0.1.1:6432`, json({ pid: 9 }));
    await obs.setData(`${base}/retail/databases`, json({ 'main ->': moved }));
    await obs.removeRecursive(main);

    await waitFor(() => kids.resolvedPath === moved && kids.size === 2);
    expect(kids.toArray()).toEqual(['providers', 'replicas']);
    expect(kids.deleted).toBe(false);
    expect(kids.path).toBe(linked);
    expect(seenKids.last()).toEqual(['providers', 'replicas']);

    await waitFor(() => props.version >= 0 && props.get('port') === 6432);
    expect(props.deleted).toBe(false);
    expect(seenProps.last()).toEqual({ port: 6432 });
    await waitFor(() => idle.get('port') === 6432);

    await waitFor(() => providers.resolvedPath === `${moved}/providers` && providers.size === 1);
    expect(providers.toArray().map((instance) => instance.id)).toEqual(['10.0.1.1:6432']);
    expect(providers.deleted).toBe(false);

    // The view that asked for the old node by its own path is deleted, as always.
    await waitFor(() => direct.deleted);

    // And the moved views are live: they follow the new node.
    await obs.create(`${moved}/backups`);
    await waitFor(() => kids.has('backups'));
    await props.update({ threads: 2 });
    expect(await zk.get(moved)).toEqual({ port: 6432, threads: 2 });
  });

  it('a view whose link leads nowhere any more is deleted when its node is', async () => {
    const base = root('links-gone');
    const { obs, main, linked } = await readmeTree(base);
    const zk = await client();
    const kids = await zk.children(linked);
    const calls = recorder<boolean>();
    kids.watch((view) => calls.push(view.deleted));

    await obs.setData(`${base}/retail/databases`, json({}));
    await obs.removeRecursive(main);

    await waitFor(() => kids.deleted);
    expect(kids.size).toBe(0);
    expect(calls.last()).toBe(true);
  });

  it('a link loop is a clear INVALID_PATH error', async () => {
    const base = root('links-loop');
    const obs = await observer();
    await obs.mkdirp(base);
    await obs.setData(base, json({ 'a ->': `${base}/b`, 'b ->': 'a' }));
    const zk = await client();

    const view = zk.children(`${base}/a`);

    await expect(view).rejects.toMatchObject({
      code: 'INVALID_PATH',
      message: expect.stringContaining(
        `symbolic link loop resolving ${base}/a: ${base}/a -> ${base}/b -> ${base}/a`,
      ),
    });
    await expect(zk.properties(`${base}/b/c`)).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(zk.services(`${base}/a`)).rejects.toMatchObject({ code: 'INVALID_PATH' });
  });

  it('a real child shadows a link of the same name', async () => {
    const base = root('links-shadow');
    const { obs, linked } = await readmeTree(base);
    await obs.create(linked, json({ real: true }));
    const zk = await client();

    const props: Properties = await zk.properties(linked);
    const kids: Children = await zk.children(linked);

    expect(props.toJSON()).toEqual({ real: true });
    expect(props.resolvedPath).toBe(linked);
    expect(kids.size).toBe(0);
  });

  it('a dangling link is NO_NODE, as a missing node is', async () => {
    const base = root('links-dangling');
    const obs = await observer();
    await obs.mkdirp(base);
    await obs.setData(base, json({ 'db ->': `${base}/nowhere` }));
    const zk = await client();

    const view = zk.children(`${base}/db`);

    await expect(view).rejects.toBeInstanceOf(NodeError);
    await expect(view).rejects.toMatchObject({ code: 'NO_NODE' });
  });
});

describe('symbolic links in registrations', () => {
  it('registerServer() registers under the node a link leads to', async () => {
    const base = root('links-register');
    const { obs, main, linked } = await readmeTree(base);
    const zk = await connectClient();

    const registration = await zk.registerServer(`${linked}/providers`, '10.0.0.3:5432', {
      data: { pid: 3 },
    });

    expect(registration.path).toBe(`${linked}/providers/10.0.0.3:5432`);
    const { stat } = await obs.getData(`${main}/providers/10.0.0.3:5432`);
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect(await obs.exists(linked)).toBeNull();
    expect(await obs.getChildren(`${main}/providers`)).toEqual([
      '10.0.0.1:5432',
      '10.0.0.2:5432',
      '10.0.0.3:5432',
    ]);

    await registration.unregister();
    expect(await obs.exists(`${main}/providers/10.0.0.3:5432`)).toBeNull();
    expect(await obs.exists(linked)).toBeNull();
  });
});
